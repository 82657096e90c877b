import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ImmichRequestError, ImmichUnavailableError } from '../../src/hosts/immich/client.js';
import { Daemon, isFatal } from '../../src/service/daemon.js';
import { startStatusServer } from '../../src/service/http.js';
import { health, UNHEALTHY_AFTER_FAILED_CYCLES } from '../../src/service/status.js';
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

const emptyCycle = { analysed: 0, failed: 0, peopleCreated: 0, facesWritten: 0 };

async function serve(daemon: Daemon): Promise<string> {
  server = await startStatusServer(0, () => daemon.status, '127.0.0.1');
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('health', () => {
  it(`turns unhealthy after ${UNHEALTHY_AFTER_FAILED_CYCLES} failed cycles in a row, and healthy after a good one`, async () => {
    const seen: { status: number; body: unknown }[] = [];
    let calls = 0;
    let base = '';
    const daemon = new Daemon(
      async () => {
        calls++;
        const answer = await fetch(`${base}/health`);
        seen.push({ status: answer.status, body: await answer.json() });
        if (calls <= 3) throw new ImmichUnavailableError('asset search: Immich answered 503 (gave up after 5 tries)');
        if (calls === 5) daemon.stop();
        return emptyCycle;
      },
      counts,
      { ...options, pollSeconds: 0.01 },
      silent,
    );
    base = await serve(daemon);
    await daemon.run(false);
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 503, 200]);
    expect(seen[3].body).toEqual({
      status: 'failing',
      reason: '3 cycles in a row failed, the last with ImmichUnavailableError; the log has the details',
    });
    expect(daemon.status).toMatchObject({ consecutiveFailures: 0, lastError: null });
  });

  it('stays healthy through failures that a good cycle interrupts', () => {
    const daemon = new Daemon(async () => emptyCycle, counts, options, silent);
    daemon.status.consecutiveFailures = UNHEALTHY_AFTER_FAILED_CYCLES - 1;
    expect(health(daemon.status).healthy).toBe(true);
    daemon.status.consecutiveFailures = UNHEALTHY_AFTER_FAILED_CYCLES;
    daemon.status.lastError = { kind: 'ImmichRequestError', status: 400 };
    expect(health(daemon.status)).toEqual({
      healthy: false,
      body: {
        status: 'failing',
        reason: '3 cycles in a row failed, the last with ImmichRequestError (HTTP 400); the log has the details',
      },
    });
  });
});

describe('what the port tells', () => {
  it('never shows the free text of an error, which can hold names and paths', async () => {
    const messages = [
      'people named Ann Example: Immich answered 400: Not found or no person.read access',
      'SQLITE_FULL: database or disk is full at /home/ann/Pictures/immich-people.db',
    ];
    const errors = [new ImmichRequestError(400, messages[0]), new Error(messages[1])];
    let calls = 0;
    let base = '';
    let bodies: string[] = [];
    const daemon = new Daemon(
      async () => {
        if (++calls === 4) {
          bodies = await Promise.all(
            ['/health', '/status', '/metrics'].map(async (p) => (await fetch(base + p)).text()),
          );
          daemon.stop();
        }
        throw errors[(calls - 1) % 2];
      },
      counts,
      { ...options, pollSeconds: 0.01 },
      silent,
    );
    base = await serve(daemon);
    await daemon.run(false);
    expect(JSON.parse(bodies[0])).toMatchObject({ status: 'failing' });
    expect(JSON.parse(bodies[1])).toMatchObject({
      consecutiveFailures: 3,
      lastError: { kind: 'ImmichRequestError', status: 400 },
    });
    expect(bodies[2]).toMatch(/^immich_people_failed_cycles_in_a_row 3$/m);
    expect(daemon.status.lastError).toEqual({ kind: 'Error', status: null });
    for (const body of bodies) {
      expect(body).not.toMatch(/Ann|Pictures|\/home|people named|SQLITE/);
    }
  });
});

describe('progress', () => {
  it('logs where a long cycle stands every few seconds and shows the same in /status', async () => {
    const lines: { msg: string; progress?: unknown }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    let now = new Date(2026, 0, 1, 12, 0, 0);
    let during: unknown = null;
    const daemon = new Daemon(
      async ({ progress }) => {
        progress('analyse', 1, 40);
        now = new Date(now.getTime() + 4000);
        progress('analyse', 9, 40);
        during = daemon.status.progress;
        await new Promise((resolve) => setTimeout(resolve, 120)); // a few ticks of the log
        return emptyCycle;
      },
      counts,
      { ...options, progressLogSeconds: 0.02 },
      log,
      () => now,
    );
    await daemon.run(true);
    const report = { stage: 'analyse', done: 9, total: 40, perSecond: 2, etaSeconds: 16 };
    expect(during).toEqual(report);
    const logged = lines.filter((l) => l.progress !== undefined);
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(logged[0]).toMatchObject({ msg: 'analyse: 9/40 photos, 2 photos/s, about 16 s left', progress: report });
    expect(daemon.status.progress).toBeNull();
    const afterwards = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(lines).toHaveLength(afterwards); // the ticker stopped with the cycle
  });

  it('says the cycle is running before the first photo is done', async () => {
    const lines: { msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const daemon = new Daemon(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 80));
        return emptyCycle;
      },
      counts,
      { ...options, progressLogSeconds: 0.02 },
      log,
    );
    await daemon.run(true);
    expect(lines.map((l) => l.msg)).toContainEqual(expect.stringMatching(/^cycle running for \d+ s: listing/));
  });
});
