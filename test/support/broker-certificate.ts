import path from 'node:path';
import { makeTestCA } from './minio.ts';

/** A site CA and the certificate for a broker on 127.0.0.1 it signed, in `dir`: `ca` is what `--broker-ca` takes. */
export function brokerCertificate(dir: string): { ca: string; cert: string; key: string } {
  const { caCert, certDir } = makeTestCA(dir);
  return { ca: caCert, cert: path.join(certDir, 'public.crt'), key: path.join(certDir, 'private.key') };
}
