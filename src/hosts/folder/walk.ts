import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** Extensions the one decoder reads: sharp's prebuilt formats, and HEVC-coded HEIC/HEIF through libheif (wasm). */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.heic', '.heif', '.avif', '.tif', '.tiff']);

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** Something the walk did not take, and why: an unreadable folder, a FIFO, a broken link … */
export interface SkippedItem {
  readonly path: string;
  readonly reason: string;
}

export interface WalkResult {
  /** Regular image files, in a repeatable order. */
  readonly files: string[];
  /** Folders that could not be read and entries that are not regular files: never opened. */
  readonly skipped: SkippedItem[];
}

/** The file-system calls the walk makes; tests pass failing ones to provoke errors that root would not get. */
export interface WalkFileSystem {
  readdir(dir: string): Promise<Dirent[]>;
  /** Follows links. */
  stat(path: string): Promise<Stats>;
}

const nodeFileSystem: WalkFileSystem = {
  readdir: (dir) => readdir(dir, { withFileTypes: true }),
  stat: (path) => stat(path),
};

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What a non-regular file is, in words for the user. */
function describeKind(entry: Dirent | Stats): string {
  if (entry.isFIFO()) return 'a FIFO';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice() || entry.isBlockDevice()) return 'a device';
  if (entry.isSymbolicLink()) return 'a link';
  return 'not a regular file';
}

/**
 * Expands files and folders into image files: folders recursively (hidden entries skipped, names sorted so runs are
 * repeatable), files as given whatever their extension so that a bad file named explicitly gets its error. Only
 * regular files are ever returned: opening a FIFO or a device would block or read forever. A folder that cannot be
 * read, a FIFO, socket or device, a broken link and a link to a folder (not followed: links may loop) are skipped
 * with their reason, and the walk goes on. A path given that does not exist is an error.
 */
export async function walkImages(paths: readonly string[], fs: WalkFileSystem = nodeFileSystem): Promise<WalkResult> {
  const files: string[] = [];
  const skipped: SkippedItem[] = [];
  const skip = (path: string, reason: string) => skipped.push({ path, reason });

  async function walk(dir: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir);
    } catch (error) {
      skip(dir, `cannot read the folder: ${message(error)}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        if (isImageName(entry.name)) files.push(path);
      } else if (entry.isSymbolicLink()) await followLink(path, entry.name);
      else skip(path, `${describeKind(entry)}, not a photo: skipped unopened`);
    }
  }

  async function followLink(path: string, name: string): Promise<void> {
    let target: Stats;
    try {
      target = await fs.stat(path);
    } catch (error) {
      skip(path, `a broken link: ${message(error)}`);
      return;
    }
    if (target.isFile()) {
      if (isImageName(name)) files.push(path);
    } else if (target.isDirectory()) skip(path, 'a link to a folder: not followed');
    else skip(path, `a link to ${describeKind(target)}, not a photo: skipped unopened`);
  }

  for (const path of paths) {
    const info = await fs.stat(path).catch(() => null);
    if (!info) throw new Error(`no such file or folder: ${path}`);
    if (info.isDirectory()) await walk(path);
    else if (info.isFile()) files.push(path);
    else skip(path, `${describeKind(info)}, not a photo: skipped unopened`);
  }
  return { files, skipped };
}

/** The image files of `paths` (see walkImages); what was skipped is dropped: callers that report it use walkImages. */
export async function listImages(paths: readonly string[]): Promise<string[]> {
  return (await walkImages(paths)).files;
}
