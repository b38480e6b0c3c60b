import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.ts';
import { untilInterrupted } from '../../cli/cancellation.ts';
import type { BrokerRun } from '../../core/broker/run.ts';

export default class Broker extends BaseCommand<BrokerRun> {
  static override summary =
    "Run the pool's strict broker: workers claim, log and finish through it, and get storage grants scoped to one job.";
  static override description = `The broker is the one host of an encoder pool that holds the endpoints' secret keys and the database (MPEGFLOW_DATABASE_URL, or this host's SQLite state). Workers started with \`mpegflow worker --broker URL\` hold neither: each calls the broker with its host's token (\`mpegflow broker token add HOST\`), and every storage request they make is a URL the broker presigned for that request alone, inside the job's scope: its source object (the version submitted), its lease's own staging, its own multipart uploads. The broker publishes finished encodes itself, under the job's row lock, for the current lease only. Grants live as long as the lease and 30 s more.

Listens on HTTPS only (--tls-cert and --tls-key, PEM). Each host is rate limited (429 with Retry-After). Grants refused, tokens added and revoked, and each publication are audited. SIGTERM stops taking requests and finishes those under way.`;
  static override examples = [
    '<%= config.bin %> broker --listen 0.0.0.0:8443 --tls-cert /etc/mpegflow/broker.crt --tls-key /etc/mpegflow/broker.key',
  ];
  static override flags = {
    listen: Flags.string({ description: 'address and port to listen on, HOST:PORT', required: true }),
    'tls-cert': Flags.string({ description: "the broker's certificate (PEM), with its chain", required: true }),
    'tls-key': Flags.string({ description: "the certificate's private key (PEM)", required: true }),
    rate: Flags.integer({ description: 'requests a second each worker host may make (bursts of twice that)', default: 200, min: 1 }),
    'grace-seconds': Flags.integer({
      description: 'how long a grant outlives the lease it was issued under (a request under way finishes)',
      default: 30,
      min: 1,
      max: 600,
    }),
  };

  protected async execute(): Promise<BrokerRun> {
    const { flags } = await this.parse(Broker);
    const { runBroker, parseListen } = await import('../../core/broker/run.ts');
    const listen = parseListen(flags.listen);
    const quiet = this.jsonEnabled() && !this.argv.includes('--verbose');
    const say = (line: string) => {
      if (!quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    };
    return runBroker(
      {
        ...listen,
        certFile: flags['tls-cert'],
        keyFile: flags['tls-key'],
        rate: flags.rate,
        graceSeconds: flags['grace-seconds'],
        version: this.config.version,
      },
      {
        db: await this.store(),
        audit: await this.auditContext(),
        say,
        interruptible: (work) => untilInterrupted(work, (signal) => say(`${signal}: draining`)),
      },
    );
  }

  protected override renderHuman(run: BrokerRun): void {
    this.log(`Broker stopped: ${run.requests} requests, ${run.grantsIssued} grants issued, ${run.grantsRefused} refused.`);
  }
}
