/**
 * A labelled folder for `eval`: its photos, what perception sees in each (through the embedding cache), and the
 * faces that go into the evaluation.
 *
 * Layout: `<dir>/<identity>/<photo>`, or one level deeper, `<dir>/<set>/<identity>/<photo>` (a top-level folder
 * holding sub-folders and no photo is a set; its identity folders are read as if they were at the top, so the
 * same name in two sets is one identity). A folder named `a+b` holds photos of several named people: its faces
 * are all unlabelled (we cannot tell which face is whom), but they are still clustered.
 *
 * Which face carries a photo's label: the largest (its box area; ties: the first detected), as before: a labelled
 * photo is framed on its person, and a bystander is rarely bigger than the subject. Every other face of the photo
 * (a background person) is unlabelled and still goes to every method: see service/evaluation.ts.
 */

import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { listImages } from '../../hosts/folder/walk.js';
import { decodeImage } from '../../perception/image/decode.js';
import type { Face, Observation, Perception } from '../../types.js';
import type { LabelledFace, MissedImage } from './types.js';
import { contentHash, type CachedPerception, type PerceptionCache } from './perception-cache.js';

export interface LabelledPhoto {
  identity: string;
  /** Path inside its identity folder. */
  file: string;
  path: string;
  /** false for a photo of several named people (`a+b`): none of its faces carries a label. */
  labelled: boolean;
}

export interface FolderListing {
  photos: LabelledPhoto[];
  /** Top-level entries that are neither identity folders nor sets. */
  ignored: number;
}

const visible = (name: string) => !name.startsWith('.');
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

async function subFolders(dir: string): Promise<{ folders: string[]; files: number }> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => visible(e.name)).sort(byName);
  return { folders: entries.filter((e) => e.isDirectory()).map((e) => e.name), files: entries.length };
}

/** The photos of a labelled folder, sorted by identity then file. Throws on a photo listed twice. */
export async function listLabelledPhotos(root: string): Promise<FolderListing> {
  const top = await subFolders(root);
  const identityDirs: { identity: string; dir: string }[] = [];
  for (const name of top.folders) {
    const dir = join(root, name);
    const inner = await subFolders(dir);
    const direct = (await readdir(dir, { withFileTypes: true })).some((e) => e.isFile() && visible(e.name));
    if (!direct && inner.folders.length > 0) {
      for (const identity of inner.folders) identityDirs.push({ identity, dir: join(dir, identity) });
    } else {
      identityDirs.push({ identity: name, dir });
    }
  }
  const photos: LabelledPhoto[] = [];
  const seen = new Set<string>();
  for (const { identity, dir } of identityDirs) {
    for (const path of await listImages([dir])) {
      const file = relative(dir, path);
      const key = `${identity}/${file}`;
      if (seen.has(key)) throw new Error(`${key} is in two sets; rename one`);
      seen.add(key);
      photos.push({ identity, file, path, labelled: !identity.includes('+') });
    }
  }
  photos.sort((a, b) => byName({ name: `${a.identity}/${a.file}` }, { name: `${b.identity}/${b.file}` }));
  return { photos, ignored: top.files - top.folders.length };
}

export interface PerceivedPhoto {
  photo: LabelledPhoto;
  result: CachedPerception;
  /** true when the result came from the cache (no model ran). */
  cached: boolean;
}

type Pending = { hash: string; cached: CachedPerception } | { hash: string; run: () => Promise<CachedPerception> };

/**
 * What perception sees in each photo, in order: from the cache when it holds the photo's content, else decoded
 * and perceived (faces with embeddings) and then cached. The next photo is read, hashed, looked up and decoded
 * while the current one is analysed.
 */
export async function* perceivePhotos(
  photos: readonly LabelledPhoto[],
  perception: Perception,
  cache: PerceptionCache | null,
): AsyncGenerator<PerceivedPhoto> {
  const load = async (photo: LabelledPhoto): Promise<Pending> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(photo.path);
    } catch (error) {
      return { hash: '', cached: { error: (error as Error).message } };
    }
    const hash = contentHash(bytes);
    const cached = cache ? await cache.read(hash) : null;
    if (cached) return { hash, cached };
    const decoded = decodeImage(bytes, { maxPixels: perception.maxPixels }).then(
      (image) => ({ image }),
      (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
    );
    return {
      hash,
      run: async () => {
        const d = await decoded;
        if ('error' in d) return { error: d.error };
        try {
          const observations = await perception.perceive(d.image, { embeddings: true });
          return { width: d.image.width, height: d.image.height, observations };
        } catch (error) {
          return { error: `analysis failed: ${(error as Error).message}` };
        }
      },
    };
  };
  let next = photos.length > 0 ? load(photos[0]) : null;
  for (let i = 0; i < photos.length; i++) {
    const current = await next!;
    next = i + 1 < photos.length ? load(photos[i + 1]) : null;
    if ('cached' in current) {
      yield { photo: photos[i], result: current.cached, cached: current.hash !== '' };
      continue;
    }
    const result = await current.run();
    if (cache) await cache.write(current.hash, result);
    yield { photo: photos[i], result, cached: false };
  }
}

const area = (f: Face): number => Math.max(0, f.box[2] - f.box[0]) * Math.max(0, f.box[3] - f.box[1]);

/** The labelled face of an image: the largest box (ties: the first detected). */
export function largestFace(faces: readonly Face[]): Face | undefined {
  let best: Face | undefined;
  for (const f of faces) if (!best || area(f) > area(best)) best = f;
  return best;
}

/**
 * The faces one photo gives the evaluation: every face with an embedding, the largest one labelled (when the
 * photo is), and the reason a labelled photo gave no labelled face.
 */
export function facesOfPhoto(
  photo: LabelledPhoto,
  result: CachedPerception,
): { faces: LabelledFace[]; missed: MissedImage | null } {
  const { identity, file } = photo;
  if ('error' in result) return { faces: [], missed: photo.labelled ? { identity, file, reason: result.error } : null };
  const all = result.observations.flatMap((o: Observation) => (o.face ? [o.face] : []));
  const largest = photo.labelled ? largestFace(all) : undefined;
  const faces: LabelledFace[] = [];
  all.forEach((face, k) => {
    if (!face.embedding) return;
    faces.push({
      identity,
      file,
      face: k,
      labelled: face === largest,
      vector: face.embedding.vector,
      clear: face.quality.clear,
    });
  });
  let missed: MissedImage | null = null;
  if (photo.labelled && !largest) missed = { identity, file, reason: 'no face' };
  else if (largest && !largest.embedding) missed = { identity, file, reason: 'no embedding' };
  return { faces, missed };
}
