import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** A self-signed certificate for a broker on 127.0.0.1 (its own CA, as `--broker-ca` takes it), written into `dir`. */
export function brokerCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'broker.crt');
  const key = path.join(dir, 'broker.key');
  const subject = ['-subj', '/CN=broker', '-addext', 'subjectAltName=IP:127.0.0.1'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-days', '2', ...subject, '-keyout', key, '-out', cert], {
    stdio: 'ignore',
  });
  return { cert, key };
}
