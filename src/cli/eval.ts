import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { PerceptionPipeline } from '../perception/perceive.js';
import { createFacePipeline } from '../service/perception.js';
import { evaluate, formatReport, type LabelledFace, type MissedImage } from '../service/evaluation.js';
import { facesOfPhoto, listLabelledPhotos, perceivePhotos } from '../service/evaluation/labelled-folder.js';
import { PerceptionCache } from '../service/evaluation/perception-cache.js';
import type { Perception } from '../types.js';
import { runCommandLine, UsageError, type Outcome } from './command-runner.js';
import { checkOutputPath, writeFileAtomic } from './output-file.js';
import { Progress } from './progress.js';

export { largestFace } from '../service/evaluation/labelled-folder.js';

/**
 * Where eval keeps what perception saw in each photo, unless told otherwise: the user's cache folder, never the
 * labelled folder (a data set may be read-only or shared). Entries are keyed by content, so folders share it.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'immich-people', 'eval');
}

/**
 * `immich-people eval <dir> [--json out.json] [--cache <dir>]`: perceives every photo of a labelled folder once
 * (cached by content, so a second run runs no model), feeds every face of every photo to our recognition and the
 * Immich, Ente and HAC baselines (each also at its best threshold in hindsight), scores the labelled faces (the
 * largest face of a photo) and prints verification, clustering and open-set figures; see
 * src/service/evaluation.ts for the protocol and the JSON shape.
 */
export function evalCli(outcome: Outcome, perception?: () => Promise<Perception>): CommandUnknownOpts {
  return new Command('eval')
    .description(
      'accuracy on a labelled folder <dir>/[<set>/]<identity>/<image>, beside the Immich, Ente and HAC baselines',
    )
    .argument('<dir>', 'a folder with one sub-folder of photos per identity (or sets of such sub-folders)')
    .option('--json <file>', 'also write the full report as JSON (whole or not at all)')
    .option(
      '--cache <dir>',
      `where to keep each photo's faces and embeddings, by content (default ${defaultCacheDir()})`,
    )
    .action(async (dir, options) => {
      outcome.code = await evaluateFolder(dir, options.json, options.cache, perception);
    });
}

/** `perception`: injected by tests; by default the configured face pipeline (no bodies). */
export function evalCommand(args: readonly string[], perception?: () => Promise<Perception>): Promise<number> {
  return runCommandLine([(outcome) => evalCli(outcome, perception)], ['eval', ...args]);
}

async function configuredPerception(): Promise<{ perception: Perception; settings: unknown }> {
  const config = loadConfig();
  // faces only: eval measures the face model, so no person detector runs whatever the config says about bodies
  const perception = new PerceptionPipeline(await createFacePipeline(config), null, config.perception.maxInputPixels);
  const { bodies: _bodies, ...faceSettings } = config.perception;
  return { perception, settings: faceSettings };
}

async function evaluateFolder(
  folder: string,
  jsonOption: string | undefined,
  cacheOption: string | undefined,
  injected: (() => Promise<Perception>) | undefined,
): Promise<number> {
  const jsonPath = jsonOption === undefined ? null : await checkOutputPath(jsonOption, '--json');
  const root = resolve(folder);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`not a folder: ${folder}`);
  const { photos, ignored } = await listLabelledPhotos(root);
  if (ignored > 0) process.stderr.write(`eval: ignoring ${ignored} entries of ${root} that are not identity folders\n`);
  if (photos.length === 0) throw new UsageError(`no labelled images in ${root} (expected <dir>/<identity>/<image>)`);

  const { perception, settings } = injected
    ? { perception: await injected(), settings: null }
    : await configuredPerception();
  const cacheDir = resolve(cacheOption ?? defaultCacheDir());
  const cache = new PerceptionCache(cacheDir, perception.faceModel, { settings, maxPixels: perception.maxPixels });
  const faces: LabelledFace[] = [];
  const missed: MissedImage[] = [];
  let cached = 0;
  let multiFace = 0;
  const progress = new Progress(photos.length);
  const started = performance.now();
  let done = 0;
  for await (const perceived of perceivePhotos(photos, perception, cache)) {
    const { photo } = perceived;
    progress.update(++done, `${photo.identity}/${photo.file}`);
    if (perceived.cached) cached++;
    const one = facesOfPhoto(photo, perceived.result);
    if (one.faces.length > 1) multiFace++;
    faces.push(...one.faces);
    if (one.missed) missed.push(one.missed);
  }
  progress.done();
  const labelled = faces.filter((f) => f.labelled !== false).length;
  process.stderr.write(
    `eval: ${photos.length} images perceived in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(${cached} from the cache in ${cache.folder}); ${labelled} labelled faces, ` +
      `${faces.length - labelled} background faces, ${missed.length} missed, ${multiFace} images with several faces\n`,
  );

  const timings: string[] = [];
  const evaluated = performance.now();
  const report = evaluate(faces, missed, { onTiming: (stage, s) => timings.push(`${stage} ${s.toFixed(1)} s`) });
  process.stderr.write(
    `eval: evaluated in ${((performance.now() - evaluated) / 1000).toFixed(1)} s (${timings.join(', ')})\n`,
  );
  process.stdout.write(formatReport(report));
  if (jsonPath !== null) await writeFileAtomic(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  return 0;
}
