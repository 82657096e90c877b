/**
 * Perception benchmark (issue 2 built it; its targets are issue 15's): `npm run bench -- <dir>... [--resize 1440] [--json out.json]`.
 *
 * In one run, on the same images: median ms per stage, images/s and faces/s with one image in flight and with
 * os.availableParallelism() images in flight, peak RSS, the decode-only floor and the peer (@vladmandic/human on
 * tfjs-wasm). Every timed run of our pipeline happens in worker threads that each own a pipeline: onnxruntime-node
 * runs session.run synchronously on the calling thread (its async run only defers to setImmediate), so concurrent
 * promises in one thread cannot put a second core to work on inference.
 */
import '../src/privacy.js'; // first: every dependency's telemetry off before any of them loads
import { rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { listImages } from '../src/hosts/folder/walk.js';
import type { PeerResult, PrepareResult } from './child.js';
import { BenchWorker, runPass, type Pass } from './pool.js';
import { peerInChild, prepareInChild } from './spawn.js';
import { stages as timedStages, type Stage } from './protocol.js';
import { fmt, median, quantile, round, sum, table } from './stats.js';

const USAGE = `usage: npm run bench -- <folder or image>... [options]
  --resize N          re-encode the inputs first so the SHORT side is N px (JPEG q90, enlarging allowed)
  --json FILE         also write the JSON result to FILE (it is always printed as the last line)
  --repeat N          timed passes per mode for our pipeline and the floor (default 3); the median pass counts,
                      leaving out passes that other processes disturbed (> 0.2 cores busy) unless all were
  --workers N         images in flight for "all cores" (default os.availableParallelism())
  --warmup N          images in the untimed warm-up pass (default 2)
  --bodies            also person detection, face-body pairing and torso embedding (per-stage ms)
  --no-peer           skip @vladmandic/human
  --peer-min-score X  BlazeFace minConfidence for the peer (default 0.5; Human's own default is 0.2)
  --peer-max-faces N  maxDetected for the peer (default 50; Human's own default is 1)`;

const TARGETS = { floorRatio: 3, peerRatio: 3, scaling: 1.8, rssMB: 400 } as const;

interface Options {
  paths: string[];
  resize: number | null;
  json: string | null;
  repeat: number;
  workers: number;
  warmup: number;
  peer: boolean;
  peerMinScore: number;
  peerMaxFaces: number;
}

function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      resize: { type: 'string' },
      json: { type: 'string' },
      repeat: { type: 'string', default: '3' },
      workers: { type: 'string', default: String(availableParallelism()) },
      warmup: { type: 'string', default: '2' },
      'no-peer': { type: 'boolean', default: false },
      bodies: { type: 'boolean', default: false },
      'peer-min-score': { type: 'string', default: '0.5' },
      'peer-max-faces': { type: 'string', default: '50' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.bodies) process.env.IMMICH_PEOPLE_BENCH_BODIES = '1';
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const positive = (name: string, raw: string, integer = true): number => {
    const value = Number(raw);
    if (!(value > 0) || (integer && !Number.isInteger(value))) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  return {
    paths: positionals,
    resize: values.resize === undefined ? null : positive('resize', values.resize),
    json: values.json ?? null,
    repeat: positive('repeat', values.repeat),
    workers: positive('workers', values.workers),
    warmup: positive('warmup', values.warmup),
    peer: !values['no-peer'],
    peerMinScore: positive('peer-min-score', values['peer-min-score'], false),
    peerMaxFaces: positive('peer-max-faces', values['peer-max-faces']),
  };
}

/** Peak RSS of the whole process, worker threads included (they share it), in MB of 10^6 bytes. */
const peakRssMB = (): number => (process.resourceUsage().maxRSS * 1024) / 1e6;

interface ModeFigures {
  inFlight: number;
  /** Passes counted, and passes left out because other processes disturbed them. */
  passes: number;
  disturbed: number;
  /** The median counted pass (the faster middle one when their number is even). */
  wallMs: number;
  imagesPerSec: number;
  facesPerSec: number;
  msPerImage: number;
  /** Process CPU time / wall time: how many cores the mode kept busy. */
  coresBusy: number;
  /** Other processes' CPU time / wall time in the same pass: noise from outside the bench. */
  otherCores: number;
  faces: number;
  errors: number;
}

/** A pass during which other processes kept more than this many cores busy is disturbed. */
const DISTURBED = 0.2;
const othersBusy = (pass: Pass): number => pass.otherCpuMs / pass.wallMs;

/**
 * The passes that count: those other processes left alone (others busy ≤ DISTURBED cores), or all of them when
 * none was. Where the machine cannot tell (no /proc/stat), every pass counts.
 */
function quiet(passes: readonly Pass[]): Pass[] {
  const calm = passes.filter((p) => !(othersBusy(p) > DISTURBED));
  return calm.length > 0 ? calm : [...passes];
}

function figures(all: readonly Pass[]): ModeFigures {
  const passes = quiet(all);
  const sorted = [...passes].sort((a, b) => a.wallMs - b.wallMs);
  const pass = sorted[Math.floor((sorted.length - 1) / 2)];
  const images = pass.results.length;
  const faces = sum(pass.results.map((r) => r.faces));
  return {
    inFlight: pass.inFlight,
    passes: passes.length,
    disturbed: all.length - passes.length,
    wallMs: pass.wallMs,
    imagesPerSec: (images * 1000) / pass.wallMs,
    facesPerSec: (faces * 1000) / pass.wallMs,
    msPerImage: pass.wallMs / images,
    coresBusy: pass.cpuMs / pass.wallMs,
    otherCores: pass.otherCpuMs / pass.wallMs,
    faces,
    errors: pass.results.filter((r) => r.error !== undefined).length,
  };
}

interface StageFigures {
  median: number;
  p90: number;
  /** Share of the summed per-image pipeline time (1 in flight). */
  share: number;
  /** Images the stage ran on, per pass. */
  images: number;
  /** Median with all cores in flight: contention shows here. */
  medianAllCores: number;
}

function stageFigures(allSingle: readonly Pass[], allMany: readonly Pass[]): Record<Stage | 'other', StageFigures> {
  const single = quiet(allSingle);
  const all = quiet(allMany);
  const samples = (passes: readonly Pass[], stage: Stage): number[] =>
    passes.flatMap((p) => p.results.flatMap((r) => (r.stages[stage] === undefined ? [] : [r.stages[stage]])));
  const otherSamples = (passes: readonly Pass[]): number[] =>
    passes.flatMap((p) =>
      p.results.filter((r) => r.error === undefined).map((r) => r.ms - sum(timedStages().map((s) => r.stages[s] ?? 0))),
    );
  const total = sum(single.flatMap((p) => p.results.map((r) => r.ms)));
  const entry = (one: number[], many: number[]): StageFigures => ({
    median: median(one),
    p90: quantile(one, 0.9),
    share: sum(one) / total,
    images: one.length / Math.max(single.length, 1),
    medianAllCores: median(many),
  });
  const stages = Object.fromEntries(
    timedStages().map((s) => [s, entry(samples(single, s), samples(all, s))]),
  ) as Record<Stage, StageFigures>;
  return { ...stages, other: entry(otherSamples(single), otherSamples(all)) };
}

interface PeerFigures extends PeerResult {
  /** Human.detect + our decode time for the same images (decoding is timed once, in our single pass). */
  endToEndMs: number;
  imagesPerSec: number;
  facesPerSec: number;
  analysisImagesPerSec: number;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const originals = await listImages(options.paths);
  if (originals.length === 0) throw new Error(`no images under ${options.paths.join(', ')}`);

  let prepared: PrepareResult | null = null;
  if (options.resize !== null) {
    process.stderr.write(`re-encoding ${originals.length} images (short side ${options.resize} px, JPEG q90)…\n`);
    prepared = await prepareInChild(originals, options.resize);
  }
  try {
    const files = prepared?.files ?? originals;
    const sizes = await Promise.all(files.map((f) => sharp(f).metadata()));
    const megapixels = sizes.map((m) => ((m.width ?? 0) * (m.height ?? 0)) / 1e6);
    const warm = files.slice(0, Math.min(options.warmup, files.length));
    const rss: Record<string, number> = { start: peakRssMB() };

    const warmUp = async (worker: BenchWorker): Promise<void> => {
      await runPass([worker], 'floor', warm);
      await runPass([worker], 'pipeline', warm);
    };
    process.stderr.write(`timing ${files.length} images, ${options.repeat} passes per mode…\n`);

    // One image in flight: one worker; the others start afterwards, so this phase's peak RSS is its own.
    const first = await BenchWorker.start();
    const workers = [first];
    const floorSingle: Pass[] = [];
    const pipeSingle: Pass[] = [];
    const floorAll: Pass[] = [];
    const pipeAll: Pass[] = [];
    try {
      await warmUp(first);
      for (let r = 0; r < options.repeat; r++) {
        floorSingle.push(await runPass([first], 'floor', files));
        pipeSingle.push(await runPass([first], 'pipeline', files));
      }
      rss.single = peakRssMB();
      // photos in flight share the cores: each worker gets its share of the threads one photo in flight had
      // (the app itself runs one photo at a time through the models, with all of them: DEFAULT_INTRA_OP_THREADS)
      const shared = Math.max(1, Math.floor(first.intraOpThreads / options.workers));
      if (shared !== first.intraOpThreads) {
        await first.terminate();
        workers.length = 0;
      }
      while (workers.length < options.workers) workers.push(await BenchWorker.start(shared));
      await Promise.all(workers.filter((w) => w !== first).map(warmUp));
      for (let r = 0; r < options.repeat; r++) {
        floorAll.push(await runPass(workers, 'floor', files));
        pipeAll.push(await runPass(workers, 'pipeline', files));
      }
      rss.allCores = peakRssMB();
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }

    const floor1 = figures(floorSingle);
    const floorN = figures(floorAll);
    const pipe1 = figures(pipeSingle);
    const pipeN = figures(pipeAll);
    const stages = stageFigures(pipeSingle, pipeAll);
    const ourPeakMB = Math.max(rss.single, rss.allCores);
    /** Our decode time over all images, one pass (the median over passes, per pass). */
    const decodeMs = median(quiet(pipeSingle).map((p) => sum(p.results.map((r) => r.stages.decode ?? 0))));

    let peer: PeerFigures | null = null;
    let peerMissing: string | null = null;
    if (!options.peer) peerMissing = 'skipped (--no-peer)';
    else {
      process.stderr.write('timing the peer (@vladmandic/human, tfjs-wasm)…\n');
      try {
        const run = await peerInChild(
          files,
          { minScore: options.peerMinScore, maxFaces: options.peerMaxFaces, loadTimeoutMs: 60_000 },
          options.warmup,
          150_000,
        );
        const endToEndMs = run.analysisMs + decodeMs;
        peer = {
          ...run,
          endToEndMs,
          imagesPerSec: (files.length * 1000) / endToEndMs,
          facesPerSec: (run.faces * 1000) / endToEndMs,
          analysisImagesPerSec: (files.length * 1000) / run.analysisMs,
        };
      } catch (error) {
        peerMissing = `the peer could not run: ${reason(error)}`;
      }
    }

    const ratios = {
      pipelineOverFloor: pipe1.wallMs / floor1.wallMs,
      pipelineOverFloorAllCores: pipeN.wallMs / floorN.wallMs,
      peerOverOurs: peer ? peer.endToEndMs / pipe1.wallMs : Number.NaN,
      peerOverOursAnalysisOnly: peer ? peer.analysisMs / (pipe1.wallMs - decodeMs) : Number.NaN,
    };
    const targets = [
      {
        name: `pipeline ≤ ${TARGETS.floorRatio}× decode-only floor (1 image in flight)`,
        value: ratios.pipelineOverFloor,
        pass: ratios.pipelineOverFloor <= TARGETS.floorRatio,
        note: `all cores: ${fmt(ratios.pipelineOverFloorAllCores, 2)}×`,
      },
      {
        name: `≥ ${TARGETS.peerRatio}× faster than the peer (end to end, 1 in flight)`,
        value: ratios.peerOverOurs,
        pass: peer ? ratios.peerOverOurs >= TARGETS.peerRatio : null,
        note: peer ? `analysis only, decode excluded: ${fmt(ratios.peerOverOursAnalysisOnly, 2)}×` : peerMissing,
      },
      {
        name: `${options.workers} in flight ≥ ${TARGETS.scaling}× the images/s of 1 in flight`,
        value: pipeN.imagesPerSec / pipe1.imagesPerSec,
        pass: pipeN.imagesPerSec / pipe1.imagesPerSec >= TARGETS.scaling,
        // N photos in flight on N cores give at most N / (cores one photo in flight keeps busy)
        note:
          `decode-only floor: ${fmt(floorN.imagesPerSec / floor1.imagesPerSec, 2)}×; at most ` +
          `${fmt(Math.min(options.workers, availableParallelism()) / pipe1.coresBusy, 2)}× ` +
          `(${Math.min(options.workers, availableParallelism())} cores / ${fmt(pipe1.coresBusy, 2)} busy with 1 in flight)`,
      },
      {
        name: `peak RSS ≤ ${TARGETS.rssMB} MB (our pipeline, ${options.workers} workers)`,
        value: ourPeakMB,
        pass: ourPeakMB <= TARGETS.rssMB,
        note: `1 in flight: ${fmt(rss.single, 0)} MB`,
      },
    ];

    // ---- the human table ----
    const machine = {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      node: process.version,
      intraOpThreads: first.intraOpThreads,
      intraOpThreadsEach: workers[workers.length - 1]?.intraOpThreads ?? first.intraOpThreads,
      graphLevels: first.levels,
      libvipsThreads: sharp.concurrency(),
      uvThreadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
      // glibc's per-thread malloc arenas decide most of the peak RSS (docs/perception-speed.md, "Peak RSS")
      mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
      // npm start and the container run node with --initial-old-space-size=64 (src/cli/main.ts); `npm run bench`
      // does too, so that the bench times the app as it runs
      nodeFlags: process.execArgv.filter((flag) => flag.startsWith('--')),
    };
    const n = files.length;
    const mp = { median: median(megapixels), min: Math.min(...megapixels), max: Math.max(...megapixels) };
    const lines: string[] = [];
    lines.push(`immich-people perception bench — ${n} images from ${options.paths.join(', ')}`);
    if (prepared) {
      lines.push(
        `  inputs re-encoded before timing: short side ${options.resize} px, JPEG q90, EXIF rotation applied; ` +
          `${prepared.enlarged}/${n} enlarged (allowed for the bench, to simulate Immich's 1440-px previews)`,
      );
    }
    lines.push(`  ${fmt(mp.median, 2)} MP median (${fmt(mp.min, 2)}–${fmt(mp.max, 2)})`);
    lines.push(
      `  ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ORT intra-op threads ${machine.intraOpThreads} ` +
        `(${machine.intraOpThreadsEach} each with ${options.workers} in flight), ` +
        `libvips threads ${machine.libvipsThreads}, libuv pool ${machine.uvThreadpool}, ` +
        `MALLOC_ARENA_MAX ${machine.mallocArenaMax ?? 'unset'}, ` +
        `node flags ${machine.nodeFlags.length > 0 ? machine.nodeFlags.join(' ') : 'none'}`,
    );
    lines.push(
      `  ORT graph optimisation (first worker): ${Object.entries(machine.graphLevels)
        .map(([model, level]) => `${model} ${level}`)
        .join(', ')}`,
    );
    lines.push(
      `  "1 in flight" = 1 worker thread, one image at a time; "${options.workers} in flight" = ${options.workers} worker ` +
        `threads, each with its own pipeline (ORT session.run is synchronous in onnxruntime-node, so async concurrency ` +
        `in one thread would not use a second core). Median of ${options.repeat} passes per mode, leaving out passes ` +
        `during which other processes kept > ${DISTURBED} cores busy (unless all were); sessions created and ` +
        `${warm.length} images warmed up first, untimed.`,
    );
    lines.push('');
    lines.push('Per stage, ms per image');
    lines.push(
      table([
        ['stage', 'median', 'p90', 'share', 'images', `median @${options.workers}`],
        ...[...timedStages(), 'other' as const].map((s) => [
          s === 'other' ? 'other (quality, glue)' : s,
          fmt(stages[s].median, 2),
          fmt(stages[s].p90, 2),
          `${fmt(stages[s].share * 100, 0)}%`,
          fmt(stages[s].images, 0),
          fmt(stages[s].medianAllCores, 2),
        ]),
        [
          'end to end',
          fmt(median(pipeSingle.flatMap((p) => p.results.map((r) => r.ms))), 2),
          fmt(
            quantile(
              pipeSingle.flatMap((p) => p.results.map((r) => r.ms)),
              0.9,
            ),
            2,
          ),
          '100%',
          fmt(n, 0),
          fmt(median(pipeAll.flatMap((p) => p.results.map((r) => r.ms))), 2),
        ],
      ]),
    );
    lines.push('');
    lines.push('Throughput');
    const modeRow = (name: string, m: ModeFigures, faces: boolean): string[] => [
      name,
      fmt(m.imagesPerSec, 2),
      faces ? fmt(m.facesPerSec, 2) : '',
      fmt(m.msPerImage, 1),
      fmt(m.coresBusy, 2),
      fmt(m.otherCores, 2),
      `${m.passes}/${m.passes + m.disturbed}`,
      faces ? String(m.faces) : '',
    ];
    const throughput: string[][] = [
      ['', 'images/s', 'faces/s', 'ms/image', 'cores busy', 'others busy', 'passes', 'faces'],
      modeRow('decode-only floor, 1 in flight', floor1, false),
      modeRow(`decode-only floor, ${options.workers} in flight`, floorN, false),
      modeRow('our pipeline, 1 in flight', pipe1, true),
      modeRow(`our pipeline, ${options.workers} in flight`, pipeN, true),
    ];
    if (peer) {
      throughput.push([
        'peer, 1 in flight (+ our decode time)',
        fmt(peer.imagesPerSec, 2),
        fmt(peer.facesPerSec, 2),
        fmt(peer.endToEndMs / n, 1),
        fmt(peer.cores, 2),
        fmt(peer.otherCores, 2),
        '1/1',
        String(peer.faces),
      ]);
      throughput.push(['peer, analysis only', fmt(peer.analysisImagesPerSec, 2), '', fmt(peer.analysisMs / n, 1)]);
    }
    lines.push(table(throughput));
    const errors = pipe1.errors + pipeN.errors + floor1.errors + floorN.errors;
    const modes = [floor1, floorN, pipe1, pipeN];
    const noise = Math.max(...modes.map((m) => m.otherCores), peer?.otherCores ?? 0);
    if (noise > DISTURBED) {
      lines.push(
        `  WARNING: other processes kept up to ${fmt(noise, 2)} of ${machine.cores} cores busy in the passes counted; ` +
          'those figures are disturbed (rerun on an idle machine)',
      );
    }
    if (errors > 0) lines.push(`  ${errors} image failures in the timed passes (counted as processed)`);
    if (pipe1.faces !== pipeN.faces)
      lines.push(`  NOTE: faces differ between modes (${pipe1.faces} vs ${pipeN.faces})`);
    lines.push('');
    if (peer) {
      lines.push(`Peer: ${peer.name} — ${peer.detail}`);
      lines.push(
        `  found ${peer.faces} faces (${peer.described} with a descriptor) vs our ${pipe1.faces}; ` +
          `model load ${fmt(peer.loadMs, 0)} ms (untimed); peak RSS of its own process ${fmt(peer.peakRssMB, 0)} MB` +
          (peer.errors ? `; ${peer.errors} images failed` : ''),
      );
      lines.push(
        '  peer fed int32 tensors of the same decoded RGB pixels; its time excludes decoding and tensor creation',
      );
    } else lines.push(`Peer: missing — ${peerMissing}`);
    lines.push('');
    lines.push(
      `Peak RSS (whole process, worker threads included): ${fmt(rss.single, 0)} MB with 1 worker, ` +
        `${fmt(rss.allCores, 0)} MB with ${options.workers} workers (the peer and --resize run in child processes)`,
    );
    lines.push(
      `Ratios: pipeline / floor ${fmt(ratios.pipelineOverFloor, 2)}× (${options.workers} in flight ` +
        `${fmt(ratios.pipelineOverFloorAllCores, 2)}×); peer / ours ${fmt(ratios.peerOverOurs, 2)}× end to end, ` +
        `${fmt(ratios.peerOverOursAnalysisOnly, 2)}× analysis only`,
    );
    lines.push('');
    lines.push(
      options.resize === 1440
        ? 'Targets (issue 15, on 1440-px JPEGs)'
        : 'Targets (issue 15 sets them on 1440-px JPEGs: run with --resize 1440; shown here for information)',
    );
    lines.push(
      table(
        targets.map((t) => [
          t.name,
          t.name.startsWith('peak') ? `${fmt(t.value, 0)} MB` : `${fmt(t.value, 2)}×`,
          t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'FAIL',
          t.note ?? '',
        ]),
      ),
    );
    lines.push(`  (bench took ${fmt((performance.now() - started) / 1000, 0)} s)`);
    console.log(lines.join('\n'));

    // ---- JSON for machines ----
    const mode = (m: ModeFigures) => ({
      inFlight: m.inFlight,
      passes: m.passes,
      disturbedPassesLeftOut: m.disturbed,
      wallMs: round(m.wallMs, 1),
      imagesPerSec: round(m.imagesPerSec),
      facesPerSec: round(m.facesPerSec),
      msPerImage: round(m.msPerImage),
      coresBusy: round(m.coresBusy),
      otherCores: round(m.otherCores),
      faces: m.faces,
      errors: m.errors,
    });
    const json = {
      bench: 'immich-people perception',
      version: 1,
      images: n,
      paths: options.paths,
      resize: prepared ? { shortSide: options.resize, jpegQuality: 90, enlarged: prepared.enlarged } : null,
      megapixels: { median: round(mp.median), min: round(mp.min), max: round(mp.max) },
      machine,
      workers: options.workers,
      repeat: options.repeat,
      setupMs: round(first.setupMs, 0),
      stages: Object.fromEntries(
        Object.entries(stages).map(([s, f]) => [
          s,
          {
            medianMs: round(f.median),
            p90Ms: round(f.p90),
            share: round(f.share, 3),
            images: f.images,
            medianMsAllCores: round(f.medianAllCores),
          },
        ]),
      ),
      floor: { single: mode(floor1), allCores: mode(floorN) },
      pipeline: { single: mode(pipe1), allCores: mode(pipeN) },
      peer: peer
        ? {
            name: peer.name,
            detail: peer.detail,
            faces: peer.faces,
            described: peer.described,
            errors: peer.errors,
            analysisMs: round(peer.analysisMs, 1),
            endToEndMs: round(peer.endToEndMs, 1),
            imagesPerSec: round(peer.imagesPerSec),
            facesPerSec: round(peer.facesPerSec),
            analysisImagesPerSec: round(peer.analysisImagesPerSec),
            peakRssMB: round(peer.peakRssMB, 0),
            coresBusy: round(peer.cores),
            otherCores: round(peer.otherCores),
          }
        : { missing: peerMissing },
      ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v, 3)])),
      rssMB: Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, round(v, 0)])),
      targets: targets.map((t) => ({ name: t.name, value: round(t.value, 3), pass: t.pass })),
      targetsApply: options.resize === 1440,
      othersBusyCoresMax: round(noise),
    };
    const text = JSON.stringify(json);
    if (options.json) await writeFile(options.json, `${JSON.stringify(json, null, 2)}\n`);
    console.log(text);
  } finally {
    if (prepared) await rm(prepared.dir, { recursive: true, force: true });
  }
}

main().then(
  // tfjs can leave handles open; the bench is done once the JSON line is out.
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${reason(error)}`);
    process.exit(1);
  },
);
