// The delay line of bench/shaped-link.ts in its own process, so that the bench's synchronous calls (execFileSync)
// never stall the link and its CPU is its own: node bench/support/delay-proxy.ts TARGET_HOST TARGET_PORT DELAY_MS
// listens on 127.0.0.1, prints its port on a line and forwards until it is killed.
import { startFaultProxy } from '../../test/support/fault-proxy.ts';

const [targetHost, targetPort, delayMs] = process.argv.slice(2);
const proxy = await startFaultProxy({ targetHost, targetPort: Number(targetPort), delayMs: Number(delayMs) });
process.stdout.write(`${proxy.port}\n`);
