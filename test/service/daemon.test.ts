import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Daemon, isFatal } from '../../src/service/daemon.js';
import { startStatusServer } from '../../src/service/http.js';
import type { Server } from 'node:http';

const silent = pino({ level: 'silent' });
const counts = () => ({ images: 3, faces: 4, people: 1, unknown: 2, suggestions: 0 });
const options = { pollSeconds: 3600, reclusterAt: '03:00' };
let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

describe('Daemon', () => {
  it('runs one cycle with --once and reports it', async () => {
    let cycles = 0;
    const daemon = new Daemon(
      async () => {
        cycles++;
        return { analysed: 2, failed: 1, peopleCreated: 1, facesWritten: 3 };
      },
      counts,
      options,
      silent,
    );
    await daemon.run(true);
    expect(cycles).toBe(1);
    expect(daemon.status).toMatchObject({
      cycles: 1,
      totals: { analysed: 2, failed: 1, peopleCreated: 1, facesWritten: 3 },
    });
  });

  it('finishes the cycle in flight when asked to stop, then returns', async () => {
    let release: () => void = () => {};
    let started: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    let finished = false;
    const daemon = new Daemon(
      async () => {
        started();
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
        return { analysed: 0, failed: 0, peopleCreated: 0, facesWritten: 0 };
      },
      counts,
      options,
      silent,
    );
    const running = daemon.run(false);
    await inFlight;
    daemon.stop();
    expect(finished).toBe(false);
    release();
    await running;
    expect(finished).toBe(true);
    expect(daemon.status.state).toBe('stopping');
  });

  it('keeps polling after an ordinary failure but stops on a fatal one', async () => {
    let calls = 0;
    const daemon = new Daemon(
      async () => {
        calls++;
        if (calls === 1) throw new Error('Immich answered 503');
        const error = new Error('missing permission');
        error.name = 'ImmichAuthError';
        throw error;
      },
      counts,
      { ...options, pollSeconds: 0.01 },
      silent,
    );
    await expect(daemon.run(false)).rejects.toThrow('missing permission');
    expect(calls).toBe(2);
    expect(isFatal(new Error('x'))).toBe(false);
  });

  it('re-clusters once a day, at the first cycle after the configured time', () => {
    let now = new Date(2026, 10, 28, 2, 59);
    const daemon = new Daemon(
      async () => ({ analysed: 0, failed: 0, peopleCreated: 0, facesWritten: 0 }),
      counts,
      options,
      silent,
      () => now,
    );
    expect(daemon.nightlyDue()).toBe(false);
    now = new Date(2026, 10, 28, 3, 5);
    expect(daemon.nightlyDue()).toBe(true);
    expect(daemon.nightlyDue()).toBe(false);
    now = new Date(2026, 10, 29, 3, 0);
    expect(daemon.nightlyDue()).toBe(true);
  });
});

describe('status endpoint', () => {
  it('listens on the address it is given, loopback by default', async () => {
    const daemon = new Daemon(
      async () => ({ analysed: 0, failed: 0, peopleCreated: 0, facesWritten: 0 }),
      counts,
      options,
      silent,
    );
    server = await startStatusServer(0, () => daemon.status, loadConfig({ env: {} }).server.host);
    expect(server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
  });

  it('serves /health, /status and Prometheus /metrics', async () => {
    const daemon = new Daemon(
      async () => ({ analysed: 5, failed: 0, peopleCreated: 2, facesWritten: 7 }),
      counts,
      options,
      silent,
    );
    await daemon.run(true);
    server = await startStatusServer(0, () => daemon.status, '127.0.0.1');
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const status = (await (await fetch(`${base}/status`)).json()) as { cycles: number; counts: { people: number } };
    expect(status.cycles).toBe(1);
    expect(status.counts.people).toBe(1);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('# TYPE immich_people_faces_written_total counter');
    expect(metrics).toMatch(/^immich_people_faces_written_total 7$/m);
    expect(metrics).toMatch(/^immich_people_up 1$/m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
