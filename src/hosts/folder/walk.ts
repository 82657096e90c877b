import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** Extensions sharp decodes in its prebuilt binaries (HEIF/AVIF where the build has the codec). */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.heic', '.heif', '.avif', '.tif', '.tiff']);

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/**
 * Expands files and folders into image files: folders recursively (hidden entries skipped, names sorted so runs
 * are repeatable), files as given whatever their extension so that a bad file named explicitly gets its error.
 */
export async function listImages(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && isImageName(entry.name)) found.push(path);
    }
  }
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new Error(`no such file or folder: ${path}`);
    if (info.isDirectory()) await walk(path);
    else found.push(path);
  }
  return found;
}
