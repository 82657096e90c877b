import { createServer, type Server } from 'node:http';
import { health, metricsText, type DaemonStatus } from './status.js';

/** /health, /status and /metrics on `host`:`port`; resolves once listening. */
export function startStatusServer(port: number, status: () => DaemonStatus, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const current = status();
    if (request.method !== 'GET') {
      response.writeHead(405).end();
    } else if (path === '/health') {
      const { healthy, body } = health(current);
      response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    } else if (path === '/status') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(current, null, 2));
    } else if (path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(metricsText(current));
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
