import http from 'node:http';
import https from 'node:https';

export interface PlainResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One GET of a (presigned) URL as the source relay sends it for ffmpeg: plain Node HTTP, the
 * endpoint's private CA trusted, nothing signed here. The body is read up to
 * `maxBytes` (the rest is dropped).
 */
export function plainGet(
  url: string,
  options: { headers?: Record<string, string>; caCert?: Buffer | null; timeoutMs?: number; maxBytes?: number } = {},
): Promise<PlainResponse> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const req = transport.get(
      target,
      { headers: options.headers ?? {}, timeout: options.timeoutMs ?? 15_000, ...(options.caCert ? { ca: options.caCert } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < maxBytes) chunks.push(chunk.subarray(0, maxBytes - size));
          size += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'TIMEOUT' })));
    req.on('error', reject);
  });
}
