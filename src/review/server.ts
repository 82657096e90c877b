import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';

/** Listens on host:port; resolves with the server and the port it got (0 asks for any free one). */
export function listen(app: Hono, host: string, port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
}
