/**
 * Writes the store's named people into XMP sidecars beside a folder library's photos, for digiKam, Lightroom and
 * Immich's sidecar import (the regions themselves: xmp-regions.ts). Opt-in (the `people export-xmp` command), and
 * never touching a photo.
 *
 * The sidecar of `photo.jpg` is `photo.jpg.xmp`: the name Immich looks for first (its sidecar discovery tries
 * `photo.jpg.xmp`, then `photo.xmp`) and writes itself, and digiKam's and darktable's default. A sidecar we did not
 * write, or one of ours that another program has changed since, is never touched: the photo is skipped and said so.
 * Nor is a new one written beside another program's `photo.xmp`, which Immich would then stop reading.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, parse, relative, resolve } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { FOLDER_SOURCE } from '../../ports.js';
import type { AssetRow } from '../../store/assets.js';
import { DEFAULT_LIBRARY } from '../../store/libraries.js';
import type { Store } from '../../store/store.js';
import {
  buildRegionXmp,
  isExifOrientation,
  isOurSidecar,
  regionName,
  regionSidecar,
  sidecarAction,
  storedSize,
  type ExifOrientation,
  type NamedFace,
} from './xmp-regions.js';

export interface XmpExportOptions {
  /** Decide everything, write and remove nothing. */
  dryRun?: boolean;
}

export interface SidecarProblem {
  /** The sidecar (or, for a whole library, its folder). */
  path: string;
  reason: string;
}

/** What the export did (or, in a dry run, would do), by sidecar path. */
export interface XmpExportSummary {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Ours, on photos with no named face left. */
  removed: string[];
  /** Left as they are on purpose: someone else's sidecar, a photo changed or gone since the scan. */
  skipped: SidecarProblem[];
  /** Tried and could not: a folder not writable, say. */
  failed: SidecarProblem[];
}

/** The named faces of each photo: people with a name who are not hidden, faces only (a body is no face region). */
function namedFacesByAsset(store: Store): Map<number, NamedFace[]> {
  const names = new Map<string, string>();
  for (const person of store.people.list()) {
    if (!person.hidden && person.name !== null && regionName(person.name) !== '') names.set(person.id, person.name);
  }
  const byAsset = new Map<number, NamedFace[]>();
  for (const s of store.observations.all({ vectors: false })) {
    const name = s.personId === null ? undefined : names.get(s.personId);
    if (name === undefined || !s.observation.face) continue;
    const faces = byAsset.get(s.assetId) ?? [];
    faces.push({ name, box: s.observation.face.box });
    byAsset.set(s.assetId, faces);
  }
  return byAsset;
}

/** The photo's path under root, or null when the stored id would lead outside it. */
function photoPath(root: string, sourceId: string): string | null {
  const file = resolve(root, sourceId);
  const rel = relative(root, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? null : file;
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The sidecar's text; null when there is none; a problem when something else than a file sits at its path. */
async function readSidecar(path: string): Promise<string | null | SidecarProblem> {
  try {
    const info = await lstat(path);
    if (!info.isFile()) return { path, reason: 'something other than a file is in the sidecar’s place' };
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    return { path, reason: `cannot read it: ${message(error)}` };
  }
}

/**
 * How the photo is stored, checked against what the scan saw: the same bytes (sha256), and a stored size that its EXIF
 * orientation turns into the upright size the boxes are in. A string says why its regions cannot be placed.
 */
async function storedOrientation(file: string, asset: AssetRow): Promise<ExifOrientation | string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return errorCode(error) === 'ENOENT'
      ? 'the photo is not there any more'
      : `cannot read the photo: ${message(error)}`;
  }
  if (createHash('sha256').update(bytes).digest('hex') !== asset.contentHash) {
    return 'the photo changed since it was scanned: scan the folder again';
  }
  if (asset.width === null || asset.height === null) return 'the scan recorded no size for the photo';
  let header: Metadata;
  try {
    header = await sharp(bytes).metadata();
  } catch (error) {
    return `cannot read the photo's header: ${message(error)}`;
  }
  // A HEIF file turns by its irot/imir boxes, which our decoder applied, while readers of the sidecar (ExifTool, so
  // Immich) turn regions by its EXIF Orientation and take its size before irot: the two need not agree.
  if (header.format === 'heif') return 'HEIC, HEIF and AVIF photos are not exported: their rotation is read two ways';
  const orientation = isExifOrientation(header.orientation) ? header.orientation : 1;
  const stored = storedSize({ width: asset.width, height: asset.height }, orientation);
  if (header.width !== stored.width || header.height !== stored.height) {
    return `the photo is ${header.width}×${header.height} as stored, not the ${asset.width}×${asset.height} the scan saw upright`;
  }
  return orientation;
}

/** Writes `text` to `path` whole or not at all: a temporary file beside it (hidden, so no scan lists it), renamed. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

const FOREIGN = 'a sidecar immich-people did not write (or one changed since) is there: left as it is';

/** One photo: decide, then (unless a dry run) write or remove its sidecar. */
async function exportPhoto(
  file: string,
  asset: AssetRow,
  faces: readonly NamedFace[] | undefined,
  summary: XmpExportSummary,
  dryRun: boolean,
): Promise<void> {
  const path = `${file}.xmp`;
  const existing = await readSidecar(path);
  if (existing !== null && typeof existing !== 'string') {
    if (faces) summary.skipped.push(existing);
    return;
  }
  if (faces && existing !== null && !isOurSidecar(existing)) {
    summary.skipped.push({ path, reason: FOREIGN });
    return;
  }
  let wanted: string | null = null;
  if (faces) {
    const orientation = await storedOrientation(file, asset);
    if (typeof orientation === 'string') {
      summary.skipped.push({ path, reason: orientation });
      return;
    }
    const sidecar = regionSidecar(faces, { width: asset.width!, height: asset.height! }, orientation);
    wanted = sidecar.regions.length > 0 ? buildRegionXmp(sidecar) : null;
  }
  const action = sidecarAction(wanted, existing);
  try {
    switch (action) {
      case 'none':
        return;
      case 'unchanged':
        summary.unchanged.push(path);
        return;
      case 'foreign':
        summary.skipped.push({ path, reason: FOREIGN });
        return;
      case 'remove':
        if (!dryRun) {
          // only if it still is what we read: a program may have just written it
          if ((await readSidecar(path)) !== existing) throw new Error('it changed while we looked');
          await rm(path);
        }
        summary.removed.push(path);
        return;
      case 'create': {
        const other = join(dirname(file), `${parse(file).name}.xmp`);
        if (await exists(other)) {
          summary.skipped.push({
            path,
            reason: `${basename(other)} is there, another program's sidecar, which Immich would stop reading`,
          });
          return;
        }
        if (!dryRun) {
          if (await exists(path)) throw new Error('a sidecar appeared while we looked');
          await writeAtomic(path, wanted!);
        }
        summary.created.push(path);
        return;
      }
      case 'update':
        if (!dryRun) {
          if ((await readSidecar(path)) !== existing) throw new Error('it changed while we looked');
          await writeAtomic(path, wanted!);
        }
        summary.updated.push(path);
        return;
    }
  } catch (error) {
    summary.failed.push({ path, reason: message(error) });
  }
}

/**
 * Brings every folder library's sidecars in line with the store's named people: writes the new, rewrites ours where
 * the people changed (renamed, merged, split, unnamed), removes ours where no named face is left, and leaves all else
 * as it is. A second run with no change in between writes nothing. Photos are read (to check them against the scan),
 * never written.
 */
export async function exportXmpSidecars(store: Store, options: XmpExportOptions = {}): Promise<XmpExportSummary> {
  const dryRun = options.dryRun ?? false;
  const summary: XmpExportSummary = { created: [], updated: [], unchanged: [], removed: [], skipped: [], failed: [] };
  const faces = namedFacesByAsset(store);

  // folder photos from before libraries were recorded: no root to put a sidecar in
  const unplaced = store.assets.list(FOLDER_SOURCE, DEFAULT_LIBRARY).filter((a) => faces.has(a.id));
  for (const asset of unplaced) {
    summary.skipped.push({
      path: `${asset.sourceId}.xmp`,
      reason: 'the store does not know which folder this photo is in: scan its folder again',
    });
  }

  for (const library of store.libraries.list(FOLDER_SOURCE)) {
    const assets = store.assets.list(FOLDER_SOURCE, library.id);
    const folder = await stat(library.root).catch(() => null);
    if (!folder?.isDirectory()) {
      const named = assets.filter((a) => faces.has(a.id)).length;
      if (named > 0) {
        summary.skipped.push({
          path: library.root,
          reason: `the folder is not there (a drive not mounted?): its ${named} photos with named faces are left out`,
        });
      }
      continue;
    }
    for (const asset of assets) {
      const file = photoPath(library.root, asset.sourceId);
      if (file === null) continue; // a stored id that leads outside the folder: nothing of ours can be there
      await exportPhoto(file, asset, faces.get(asset.id), summary, dryRun);
    }
  }
  return summary;
}
