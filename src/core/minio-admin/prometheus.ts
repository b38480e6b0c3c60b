import { SignJWT } from 'jose';
import type { ResolvedEndpoint } from '../endpoints/model.ts';

/**
 * The bearer token MinIO accepts on its Prometheus endpoints, minted the way
 * `mc admin prometheus generate` does: HS512, issuer "prometheus", subject the
 * access key, signed with the secret key.
 */
export async function prometheusToken(endpoint: ResolvedEndpoint, now: Date, lifetimeSeconds = 3600): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS512', typ: 'JWT' })
    .setIssuer('prometheus')
    .setSubject(endpoint.accessKey)
    .setExpirationTime(issuedAt + lifetimeSeconds)
    .sign(new TextEncoder().encode(endpoint.secretKey));
}

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text exposition format (comments skipped). */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[3] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\(["\\])/g, '$1').replace(/\\n/g, '\n');
    samples.push({ name: match[1]!, labels, value: Number(match[4]) });
  }
  return samples;
}
