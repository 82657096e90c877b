import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { listImages } from '../hosts/folder/walk.js';
import { PerceptionPipeline } from '../perception/perceive.js';
import { createFacePipeline } from '../service/perception.js';
import { detectFiles } from '../service/detect.js';
import { evaluate, formatReport, type LabelledFace, type MissedImage } from '../service/evaluation.js';
import type { Face } from '../types.js';
import { runCommandLine, UsageError, type Outcome } from './command-runner.js';
import { checkOutputPath, writeFileAtomic } from './output-file.js';
import { Progress } from './progress.js';

const area = (f: Face): number => Math.max(0, f.box[2] - f.box[0]) * Math.max(0, f.box[3] - f.box[1]);

/** The labelled face of an image: the largest box (ties: the first detected). */
export function largestFace(faces: readonly Face[]): Face | undefined {
  let best: Face | undefined;
  for (const f of faces) if (!best || area(f) > area(best)) best = f;
  return best;
}

/**
 * `immich-people eval <dir> [--json out.json]`: embeds every image of a labelled folder once (the largest
 * face of an image is the labelled one) and prints verification, clustering (ours and the Immich, Ente and
 * HAC baselines, each also at its oracle threshold) and open-set assignment figures; see
 * src/service/evaluation.ts for the protocol and the JSON shape.
 */
export function evalCli(outcome: Outcome): CommandUnknownOpts {
  return new Command('eval')
    .description('accuracy on a labelled folder <dir>/<identity>/<image>, beside the Immich, Ente and HAC baselines')
    .argument('<dir>', 'a folder with one sub-folder of photos per identity')
    .option('--json <file>', 'also write the full report as JSON (whole or not at all)')
    .action(async (dir, options) => {
      outcome.code = await evaluateFolder(dir, options.json);
    });
}

export function evalCommand(args: readonly string[]): Promise<number> {
  return runCommandLine([evalCli], ['eval', ...args]);
}

async function evaluateFolder(folder: string, jsonOption: string | undefined): Promise<number> {
  const jsonPath = jsonOption === undefined ? null : await checkOutputPath(jsonOption, '--json');
  const root = resolve(folder);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`not a folder: ${folder}`);

  // <dir>/<identity>/<image>: every non-hidden sub-folder is an identity; loose files are not labelled
  const entries = (await readdir(root, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const loose = entries.filter((e) => !e.isDirectory()).length;
  if (loose > 0) process.stderr.write(`eval: ignoring ${loose} entries of ${root} that are not identity folders\n`);
  const files: { identity: string; file: string; path: string }[] = [];
  for (const e of entries.filter((x) => x.isDirectory())) {
    const dir = join(root, e.name);
    for (const path of await listImages([dir])) files.push({ identity: e.name, file: relative(dir, path), path });
  }
  if (files.length === 0) throw new UsageError(`no labelled images in ${root} (expected <dir>/<identity>/<image>)`);

  const config = loadConfig();
  // faces only: eval measures the face model, so no person detector runs whatever the config says about bodies
  const perception = new PerceptionPipeline(await createFacePipeline(config), null, config.perception.maxInputPixels);
  const faces: LabelledFace[] = [];
  const missed: MissedImage[] = [];
  let multiFace = 0;
  const progress = new Progress(files.length);
  const started = performance.now();
  let done = 0;
  for await (const result of detectFiles(
    files.map((f) => f.path),
    perception,
    { embeddings: true },
  )) {
    const { identity, file } = files[done];
    progress.update(++done, `${identity}/${file}`);
    if ('error' in result) {
      missed.push({ identity, file, reason: result.error });
      continue;
    }
    if (result.faces.length > 1) multiFace++;
    const face = largestFace(result.faces);
    if (!face) missed.push({ identity, file, reason: 'no face' });
    else if (!face.embedding) missed.push({ identity, file, reason: 'no embedding' });
    else faces.push({ identity, file, vector: face.embedding.vector, clear: face.quality.clear });
  }
  progress.done();
  process.stderr.write(
    `eval: ${files.length} images embedded in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `${faces.length} labelled faces, ${missed.length} missed, ${multiFace} images with several faces (largest taken)\n`,
  );

  const report = evaluate(faces, missed);
  process.stdout.write(formatReport(report));
  if (jsonPath !== null) await writeFileAtomic(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  return 0;
}
