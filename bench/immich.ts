/**
 * The Immich sidecar at library scale (issue 12, "Fewer, parallel requests"): `npm run bench:immich -- [options]`.
 *
 * A fake Immich (test/fakes/immich, the msw handlers the tests use, served over loopback HTTP) holds a synthetic
 * library; the sidecar runs in a child process of its own (test/helpers/sidecar-child.ts, manage mode) on
 * SyntheticPerception: one face per photo, drawn around one of `--identities` centres, so recognition has real
 * work and the previews are tiny grey JPEGs. Reported: requests per photo in the first cycle besides the preview
 * downloads, requests of an idle second cycle, the wall time of each, and the child's peak RSS (the fake's memory
 * is the parent's and not counted).
 *
 * The photos' upload times are spread over the minutes before the run, as a real library's are: an idle cycle's
 * listing (updated since the last one, less a minute of overlap) then finds nothing, as it would on a real server.
 */

import '../src/privacy.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FakeImmich } from '../test/fakes/immich/fake-immich.js';
import { serveFakeImmich } from '../test/fakes/immich/http-server.js';
import type { RequestLogEntry } from '../test/fakes/immich/fake-immich.js';
import { syntheticSize } from '../test/fakes/perception/synthetic.js';
import { SidecarProcess, type ChildCycle } from '../test/helpers/sidecar-process.js';
import { fmt, round, table } from './stats.js';

const USAGE = `usage: npm run bench:immich -- [options]
  --photos N        photos in the library (default 100000)
  --identities N    identity centres the faces are drawn around (default: one per 100 photos)
  --version V       the Immich version the fake plays, 2.x or 3.x (default 2.5.6)
  --downloads N     previews downloaded at once (default 3, the sidecar's default)
  --seed N          (default 1)
  --json FILE       also write the JSON result to FILE (it is always printed as the last line)`;

/** Issue 12's targets. */
const TARGETS = { requestsPerPhoto: 3, idleRequests: 50, rssMb: 1024 };

interface Options {
  photos: number;
  identities: number;
  version: string;
  downloads: number;
  seed: number;
  json: string | null;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      photos: { type: 'string', default: '100000' },
      identities: { type: 'string' },
      version: { type: 'string', default: '2.5.6' },
      downloads: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      console.error(`--${name} must be a whole number ≥ 1 (got ${text})\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const photos = int('photos', values.photos);
  return {
    photos,
    identities: values.identities ? int('identities', values.identities) : Math.max(1, Math.round(photos / 100)),
    version: values.version,
    downloads: int('downloads', values.downloads),
    seed: int('seed', values.seed),
    json: values.json ?? null,
  };
}

/** Requests by SDK operation, most first. */
function byOperation(requests: readonly RequestLogEntry[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.op, (counts.get(r.op) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

/**
 * Where a cycle's time went, by the requests that mark its stages (seconds): the listing up to the first preview,
 * the previews (download, decode, perception, store), then labels, read-back and recognition up to the first
 * write, then the write-back.
 */
interface Phases {
  listing: number;
  previews: number;
  recognition: number;
  writeBack: number;
}

function phases(requests: readonly RequestLogEntry[], startedAt: number, endedAt: number): Phases | null {
  const previews = requests.filter((r) => r.op === 'viewAsset');
  const firstWrite = requests.find((r) => ['createPerson', 'createFace', 'updatePerson'].includes(r.op));
  if (previews.length === 0 || !firstWrite) return null;
  const [first, last] = [previews[0].at, previews[previews.length - 1].at];
  return {
    listing: (first - startedAt) / 1000,
    previews: (last - first) / 1000,
    recognition: (firstWrite.at - last) / 1000,
    writeBack: (endedAt - firstWrite.at) / 1000,
  };
}

interface CycleFigures {
  seconds: number;
  phases: Phases | null;
  requests: number;
  previews: number;
  byOperation: Record<string, number>;
  analysed: number;
  writeBack: ChildCycle['summary']['writeBack'];
}

async function measure(child: SidecarProcess, fake: FakeImmich): Promise<{ cycle: ChildCycle; figures: CycleFigures }> {
  fake.clearRequests();
  const startedAt = Date.now();
  const cycle = await child.cycle();
  const requests = fake.requests();
  return { cycle, figures: { ...figures(cycle, requests), phases: phases(requests, startedAt, Date.now()) } };
}

function figures(cycle: ChildCycle, requests: readonly RequestLogEntry[]): Omit<CycleFigures, 'phases'> {
  return {
    seconds: cycle.ms / 1000,
    requests: requests.length,
    previews: requests.filter((r) => r.op === 'viewAsset').length,
    byOperation: byOperation(requests),
    analysed: cycle.summary.analysed,
    writeBack: cycle.summary.writeBack,
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const started = Date.now();
  // upload times a minute apart, ending before the run: the idle cycle's overlap window finds none of them
  let clock: number | null = started - (options.photos + 10) * 60_000;
  const fake = new FakeImmich({
    version: options.version,
    seed: options.seed,
    // the README's advice for manage mode: Immich's own recognition off, face import on (people get pictures)
    features: { facialRecognition: false, importFaces: true },
    now: () => clock ?? Date.now(),
  });
  for (let index = 0; index < options.photos; index++) {
    fake.addAsset(syntheticSize(index));
    clock! += 60_000;
  }
  clock = null;
  const served = await serveFakeImmich(fake);
  const dir = mkdtempSync(join(tmpdir(), 'bench-immich-'));
  const child = new SidecarProcess(
    {
      baseUrl: served.baseUrl,
      apiKey: fake.apiKey ?? '',
      db: join(dir, 'people.db'),
      mode: 'manage',
      minFaces: 3,
      downloads: options.downloads,
      perception: { identities: options.identities, seed: options.seed },
      retry: { attempts: 3, delayMs: 100, timeoutMs: 60_000 },
      logLevel: process.env.LOG_LEVEL ?? 'warn',
    },
    process.execArgv,
  ); // flags given to node (--cpu-prof, --max-old-space-size) reach the sidecar too
  try {
    await child.ready();
    const first = (await measure(child, fake)).figures;
    fake.runJobs();
    const idle = await measure(child, fake);
    report(options, first, idle.figures, idle.cycle.maxRssMb, fake); // the child's peak over both cycles
  } finally {
    await child.exit().catch(() => child.kill());
    await served.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(options: Options, first: CycleFigures, idle: CycleFigures, rssMb: number, fake: FakeImmich): void {
  const perPhoto = (first.requests - first.previews) / options.photos;
  const people = fake.people().length;
  const faces = fake.allFaces().length;
  console.log(
    `\nImmich sidecar, ${options.photos} photos of ${options.identities} identities, fake Immich ${options.version}` +
      ` (${people} people, ${faces} faces written)\n`,
  );
  console.log(
    table([
      ['', 'requests', 'besides previews', 'per photo', 'seconds', 'target'],
      [
        'first cycle',
        String(first.requests),
        String(first.requests - first.previews),
        fmt(perPhoto, 3),
        fmt(first.seconds),
        `≤ ${TARGETS.requestsPerPhoto} per photo`,
      ],
      ['idle cycle', String(idle.requests), '', '', fmt(idle.seconds), `≤ ${TARGETS.idleRequests}`],
      ['peak RSS (MB)', fmt(rssMb, 0), '', '', '', `≤ ${TARGETS.rssMb}`],
    ]),
  );
  const p = first.phases;
  if (p) {
    console.log(
      `\n  first cycle: listing ${fmt(p.listing)} s, previews ${fmt(p.previews)} s, labels, read-back and ` +
        `recognition ${fmt(p.recognition)} s, write-back ${fmt(p.writeBack)} s`,
    );
  }
  console.log(`\n  first cycle by operation: ${JSON.stringify(first.byOperation)}`);
  console.log(`  idle cycle by operation:  ${JSON.stringify(idle.byOperation)}\n`);
  const result = {
    photos: options.photos,
    identities: options.identities,
    version: options.version,
    people,
    faces,
    first: { ...first, seconds: round(first.seconds), requestsPerPhoto: round(perPhoto, 3) },
    idle: { ...idle, seconds: round(idle.seconds) },
    peakRssMb: round(rssMb, 0),
    targets: TARGETS,
    met: {
      requestsPerPhoto: perPhoto <= TARGETS.requestsPerPhoto,
      idleRequests: idle.requests <= TARGETS.idleRequests,
      rss: rssMb <= TARGETS.rssMb,
    },
  };
  if (options.json) writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
