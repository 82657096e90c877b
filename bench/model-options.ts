/**
 * Session-option benchmark (issue 15): `node dist/bench/model-options.js [options]`.
 *
 * Times every model the app runs at each ONNX Runtime graph optimisation level × intra-op threads × execution
 * mode, on the inputs the app really feeds it: the feeds are captured from our own adapters while they perceive
 * fixture photos (re-encoded like Immich's 1440-px previews), so batch sizes and value ranges are the real ones.
 * Every configuration of one case holds its own session; the timed runs go round-robin over the configurations,
 * so that a burst of load from another process falls on all of them alike. Warm-up runs are not timed.
 * The choice per model lives in src/models/session.ts; the figures in docs/perception-speed.md.
 */
import '../src/privacy.js'; // first: every dependency's telemetry off before any of them loads
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadConfig, resolveModelsDir } from '../src/config/load.js';
import { ort } from '../src/models/session.js';
import { packageRoot } from '../src/package-root.js';
import { decodeImage } from '../src/perception/image/decode.js';
import { AlignedFaceEmbedder, FACEPLUGIN_FEATURE } from '../src/perception/models/aligned-embedder.js';
import { Landmark68 } from '../src/perception/models/landmarks.js';
import { NanoDetPersonDetector } from '../src/perception/models/nanodet.js';
import { CNN_SIDE, cropBoxes, TorsoBackbone } from '../src/perception/models/torso-cnn.js';
import { DEFAULT_ULTRAFACE, TILE_BATCH, UltraFaceDetector } from '../src/perception/models/ultraface.js';
import type { RgbImage } from '../src/types.js';
import { fmt, median, quantile, round, table } from './stats.js';

const USAGE = `usage: node dist/bench/model-options.js [options]
  --fixtures DIR   the fixture photos (default ../shared/fixtures/photos from the package root)
  --runs N         timed runs per configuration and case (default 25)
  --warmup N       untimed runs per session first (default 3)
  --models LIST    comma-separated model files to time (default: all five)
  --json FILE      also write the JSON result to FILE`;

/** The four ORT levels, and 'all' without its layout step (the NCHWc transformer), which is what 'all' adds on CPU. */
type Level = 'disabled' | 'basic' | 'extended' | 'all' | 'all-nchwc-off';
type Mode = 'sequential' | 'parallel';
const LEVELS: readonly Level[] = ['disabled', 'basic', 'extended', 'all', 'all-nchwc-off'];
const THREADS: readonly number[] = [1, 2];
const MODES: readonly Mode[] = ['sequential', 'parallel'];

interface Config {
  level: Level;
  threads: number;
  mode: Mode;
}

type Feeds = Record<string, ort.Tensor>;

/** Model calls the app makes, timed together: the model, a label (what the batch holds), and the feeds passed. */
interface Case {
  model: string;
  label: string;
  /** Faces (or crops, or tiles) in the calls, to give a per-item cost. */
  items: number;
  /** Run one after the other; one entry for a single call. */
  calls: Feeds[];
}

/** The tiles' inputs of one photo stacked into one batch (fr_detect's batch is free since its set-up, bytes-input.ts). */
function stack(calls: readonly Feeds[]): Feeds {
  const name = Object.keys(calls[0])[0];
  const tensors = calls.map((feeds) => feeds[name]);
  const size = tensors[0].data.length;
  const data = new Uint8Array(size * tensors.length);
  tensors.forEach((tensor, i) => data.set(tensor.data as Uint8Array, i * size));
  return { [name]: new ort.Tensor('uint8', data, [tensors.length, ...tensors[0].dims.slice(1)]) };
}

/** Photos whose model calls are captured: a group photo (5 faces) and a single portrait, as 1440-px previews. */
const PHOTOS = { group: 'groups/compreface_000_5.jpg', single: 'people/obama/obama_1.jpg' } as const;

/** Decodes a photo re-encoded as bench.ts's --resize 1440 does: short side 1440 px, JPEG q90, upright. */
async function preview(path: string): Promise<RgbImage> {
  const source = sharp(await readFile(path)).rotate();
  const { width = 0, height = 0 } = await source.metadata();
  const jpeg = await source
    .resize(width <= height ? { width: 1440 } : { height: 1440 })
    .jpeg({ quality: 90 })
    .toBuffer();
  return decodeImage(jpeg, { maxPixels: 1e8 });
}

/** Calls `act` with `session.run` wrapped so that every feed it passes is kept. */
async function captureFeeds(session: ort.InferenceSession, act: () => Promise<unknown>): Promise<Feeds[]> {
  const feeds: Feeds[] = [];
  const run = session.run.bind(session);
  session.run = ((input: Feeds) => {
    feeds.push(input);
    return run(input);
  }) as typeof session.run;
  try {
    await act();
  } finally {
    session.run = run;
  }
  return feeds;
}

/** The calls our adapters make on the two photos, one case per distinct batch shape. */
async function captureCases(modelsDir: string, fixtures: string, wanted: ReadonlySet<string>): Promise<Case[]> {
  const open = (file: string) => ort.InferenceSession.create(join(modelsDir, file));
  const [detect, landmark, feature, nanodet, backbone] = await Promise.all(
    ['fr_detect.onnx', 'fr_landmark.onnx', 'fr_feature.onnx', 'nanodet.onnx', 'centernet-backbone.onnx'].map(open),
  );
  const marks = new Landmark68(landmark);
  const detector = new UltraFaceDetector(detect, marks, DEFAULT_ULTRAFACE);
  const embedder = new AlignedFaceEmbedder(feature, FACEPLUGIN_FEATURE);
  const cases: Case[] = [];
  for (const [name, path] of Object.entries(PHOTOS)) {
    const image = await preview(join(fixtures, path));
    const detectFeeds = await captureFeeds(detect, () => detector.detectBoxes(image));
    const tiles = detectFeeds.slice(1);
    const boxes = (await detector.detectBoxes(image)).map((f) => f.box);
    const faces = await detector.detect(image);
    const landmarkFeeds = await captureFeeds(landmark, () => marks.locate(image, boxes));
    const featureFeeds = await captureFeeds(feature, () => embedder.embed(image, faces));
    const n = faces.length;
    if (name === 'group') {
      cases.push({ model: 'fr_detect.onnx', label: 'full frame, 1×320×240', items: 1, calls: [detectFeeds[0]] });
      const t = tiles.length;
      cases.push({ model: 'fr_detect.onnx', label: `${t} tiles, one call each`, items: t, calls: tiles });
      cases.push({ model: 'fr_detect.onnx', label: `${t} tiles in one batch`, items: t, calls: [stack(tiles)] });
      const rows = Array.from({ length: Math.ceil(t / TILE_BATCH) }, (_, r) =>
        stack(tiles.slice(r * TILE_BATCH, (r + 1) * TILE_BATCH)),
      );
      cases.push({ model: 'fr_detect.onnx', label: `${t} tiles, ${TILE_BATCH} a call`, items: t, calls: rows });
      const nanodetFeeds = await captureFeeds(nanodet, () => new NanoDetPersonDetector(nanodet).detect(image));
      cases.push({ model: 'nanodet.onnx', label: '1×416×416 letterboxed', items: 1, calls: nanodetFeeds });
      const [crop] = await cropBoxes(image, [boxes[0]], CNN_SIDE);
      const backboneFeeds = await captureFeeds(backbone, () => new TorsoBackbone(backbone).pool([crop]));
      cases.push({ model: 'centernet-backbone.onnx', label: '1 crop 128×128', items: 1, calls: backboneFeeds });
    }
    const faceWord = n === 1 ? 'face' : 'faces';
    cases.push({ model: 'fr_landmark.onnx', label: `${n} ${faceWord} + mirrors`, items: n, calls: landmarkFeeds });
    cases.push({ model: 'fr_feature.onnx', label: `${n} ${faceWord}`, items: n, calls: featureFeeds });
  }
  await Promise.all([detect, landmark, feature, nanodet, backbone].map((s) => s.release()));
  return cases.filter((c) => wanted.has(c.model));
}

const configs: Config[] = LEVELS.flatMap((level) =>
  THREADS.flatMap((threads) => MODES.map((mode) => ({ level, threads, mode }))),
);
const configName = (c: Config) => `${c.level}/${c.threads}t/${c.mode === 'sequential' ? 'seq' : 'par'}`;

async function runAll(session: ort.InferenceSession, calls: readonly Feeds[]): Promise<void> {
  for (const feeds of calls) await session.run(feeds);
}

interface Timing {
  config: Config;
  createMs: number;
  samples: number[];
  /** CPU time of the whole process per call: for one thread, the call's own cost, whatever else the machine runs. */
  cpu: number[];
}

/** Times one case at every configuration, round-robin. */
async function timeCase(modelsDir: string, c: Case, runs: number, warmup: number): Promise<Timing[]> {
  const timings: { timing: Timing; session: ort.InferenceSession }[] = [];
  for (const config of configs) {
    const start = performance.now();
    const session = await ort.InferenceSession.create(join(modelsDir, c.model), {
      graphOptimizationLevel: config.level === 'all-nchwc-off' ? 'all' : config.level,
      extra: {
        // as the app runs a pool of more than one thread (src/models/session.ts): no spinning between runs
        ...(config.threads > 1 ? { session: { force_spinning_stop: '1' } } : {}),
        ...(config.level === 'all-nchwc-off'
          ? { optimization: { disable_specified_optimizers: 'NchwcTransformer' } }
          : {}),
      },
      intraOpNumThreads: config.threads,
      interOpNumThreads: config.mode === 'parallel' ? config.threads : 1,
      executionMode: config.mode,
      enableCpuMemArena: false,
      enableMemPattern: false,
    });
    const createMs = performance.now() - start;
    for (let i = 0; i < warmup; i++) await runAll(session, c.calls);
    timings.push({ timing: { config, createMs, samples: [], cpu: [] }, session });
  }
  for (let r = 0; r < runs; r++) {
    // rotate the starting configuration, so no configuration always follows the same one
    for (let k = 0; k < timings.length; k++) {
      const { timing, session } = timings[(k + r) % timings.length];
      const cpu = process.cpuUsage();
      const start = performance.now();
      await runAll(session, c.calls);
      timing.samples.push(performance.now() - start);
      const used = process.cpuUsage(cpu);
      timing.cpu.push((used.user + used.system) / 1000);
    }
  }
  await Promise.all(timings.map(({ session }) => session.release()));
  return timings.map(({ timing }) => timing);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      fixtures: { type: 'string' },
      runs: { type: 'string', default: '25' },
      warmup: { type: 'string', default: '3' },
      models: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const modelsDir = resolveModelsDir(config);
  const fixtures = values.fixtures ?? resolve(packageRoot(), '../shared/fixtures/photos');
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const all = ['fr_detect.onnx', 'fr_landmark.onnx', 'fr_feature.onnx', 'nanodet.onnx', 'centernet-backbone.onnx'];
  const wanted = new Set(values.models ? values.models.split(',').map((m) => m.trim()) : all);
  const cases = await captureCases(modelsDir, fixtures, wanted);

  const results: { case: Case; timings: Timing[] }[] = [];
  for (const c of cases) {
    process.stderr.write(`timing ${c.model} (${c.label}), ${configs.length} configurations × ${runs} runs…\n`);
    results.push({ case: c, timings: await timeCase(modelsDir, c, runs, warmup) });
  }

  const lines = [
    `ONNX Runtime ${ort.env.versions.common}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), ` +
      `Node ${process.version}; ${runs} timed runs per configuration after ${warmup} untimed, round-robin; ` +
      'ms per call (memory arena and pattern off, no spinning with 2 threads, as the app runs); ' +
      'cpu: median process CPU ms per call',
  ];
  for (const { case: c, timings } of results) {
    const best = Math.min(...timings.map((t) => median(t.samples)));
    lines.push('', `${c.model}: ${c.label}`);
    lines.push(
      table([
        ['level / threads / mode', 'median', 'p90', 'per item', 'vs best', 'cpu', 'create'],
        ...timings.map((t) => [
          configName(t.config),
          fmt(median(t.samples), 2),
          fmt(quantile(t.samples, 0.9), 2),
          fmt(median(t.samples) / c.items, 2),
          `${fmt(median(t.samples) / best, 2)}×`,
          fmt(median(t.cpu), 2),
          fmt(t.createMs, 0),
        ]),
      ]),
    );
  }
  console.log(lines.join('\n'));
  const json = results.map(({ case: c, timings }) => ({
    model: c.model,
    label: c.label,
    items: c.items,
    configs: timings.map((t) => ({
      ...t.config,
      medianMs: round(median(t.samples)),
      p90Ms: round(quantile(t.samples, 0.9)),
      cpuMs: round(median(t.cpu)),
      createMs: round(t.createMs, 0),
    })),
  }));
  if (values.json) await writeFile(values.json, `${JSON.stringify(json, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(`model-options bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
