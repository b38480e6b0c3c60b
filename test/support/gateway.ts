import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the gateway says itself instead of passing a request on. */
export interface CannedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** HAProxy's page when no server behind it is up (a node restarting behind the load balancer). */
export const NO_SERVER_AVAILABLE: CannedAnswer = {
  status: 503,
  contentType: 'text/html',
  body: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n',
};

/** nginx's page for a 503 (not well-formed XML: its <hr> is never closed). */
export const NGINX_UNAVAILABLE: CannedAnswer = {
  status: 503,
  contentType: 'text/html',
  body: '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
};

/**
 * An HTTP reverse proxy in front of a real MinIO, as a load balancer would
 * stand: each request passes with its Host header unchanged (so presigned
 * URLs made for the gateway validate at MinIO), unless `answer` returns what
 * the gateway should say itself.
 */
export async function startGateway(
  targetPort: number,
  answer: (request: http.IncomingMessage) => CannedAnswer | undefined,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const canned = answer(request);
    if (canned) {
      request.resume();
      response.writeHead(canned.status, { 'content-type': canned.contentType, connection: 'close' });
      response.end(canned.body);
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method: request.method, path: request.url, headers: request.headers },
      (answered) => {
        response.writeHead(answered.statusCode ?? 502, answered.headers);
        answered.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
