/**
 * Serves a `FakeImmich` over real HTTP on loopback, through the same msw handlers `startFakeImmich()` installs in
 * the process. For a sidecar in another process: a child that is killed with SIGKILL leaves the fake's state (in
 * the parent) as a real server would keep it, and the benchmark measures the sidecar's memory without the fake's.
 *
 *   const served = await serveFakeImmich(fake);
 *   spawn(node, [child, served.baseUrl, fake.apiKey]);
 *   …
 *   await served.close();
 *
 * A fault that resets the connection (`reset`, `loseReply`) destroys the socket; one that hangs answers only when
 * the client gives up (its socket closes) or the fake releases its hangs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse } from 'msw';
import type { FakeImmich } from './fake-immich.js';
import { createHandlers } from './handlers.js';

export interface ServedFakeImmich {
  /** e.g. http://127.0.0.1:41234/api */
  baseUrl: string;
  /** Requests answered so far (resets and hangs included). */
  readonly requests: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  /**
   * Called as each request arrives, before the fake sees it; the request waits for the returned promise. A test
   * kills its child here, at a chosen request, and answers 'drop' to let the request die with the connection
   * (the write never happened) or 'serve' to let the fake do the work no one will hear about.
   */
  onRequest?: (method: string, path: string) => Promise<'serve' | 'drop'> | 'serve' | 'drop';
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function headersOf(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

export async function serveFakeImmich(fake: FakeImmich, options: ServeOptions = {}): Promise<ServedFakeImmich> {
  let handlers: ReturnType<typeof createHandlers> = [];
  let base = '';
  let requests = 0;

  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    requests++;
    const url = new URL(request.url ?? '/', base);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await readBody(request);
    if ((await options.onRequest?.(request.method ?? 'GET', url.pathname)) === 'drop') {
      response.destroy();
      return;
    }
    // the client hung up (its timeout): hanging faults release, as they do when fetch aborts under msw
    const gone = new AbortController();
    response.on('close', () => gone.abort());
    const fetchRequest = new Request(url, {
      method: request.method,
      headers: headersOf(request),
      body: body && body.length > 0 ? new Uint8Array(body) : undefined,
      signal: gone.signal,
    });
    const reply = await getResponse(handlers, fetchRequest);
    if (!reply) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `Cannot ${request.method} ${url.pathname}`, statusCode: 404 }));
      return;
    }
    if (reply.type === 'error') {
      response.destroy(); // HttpResponse.error(): a reset connection
      return;
    }
    const headers: Record<string, string> = {};
    reply.headers.forEach((value, name) => (headers[name] = value));
    const data = Buffer.from(await reply.arrayBuffer());
    response.writeHead(reply.status, headers);
    response.end(data);
  };

  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      console.error('fake-immich over HTTP: cannot answer', error);
      response.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  const baseUrl = `${base}/api`;
  handlers = createHandlers(fake, baseUrl);
  return {
    baseUrl,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        fake.releaseHangs();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
