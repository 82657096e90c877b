/** `--resize N`: re-encode the input photos the way Immich stores previews, before anything is timed. */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';

export interface Prepared {
  files: string[];
  /** Images that were smaller than the target and got enlarged. */
  enlarged: number;
  dir: string;
  cleanup(): Promise<void>;
}

/**
 * Writes every photo upright (EXIF orientation applied), resized so its SHORT side is `shortSide` px — enlarging
 * smaller photos too — as JPEG quality 90, into a fresh temporary folder.
 */
export async function resizeToTemp(files: readonly string[], shortSide: number): Promise<Prepared> {
  const dir = await mkdtemp(join(tmpdir(), 'immich-people-bench-'));
  const out: string[] = new Array<string>(files.length);
  let enlarged = 0;
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const source = sharp(files[i], { failOn: 'none' });
      const meta = await source.metadata();
      const turned = (meta.orientation ?? 1) >= 5;
      const width = (turned ? meta.height : meta.width) ?? 0;
      const height = (turned ? meta.width : meta.height) ?? 0;
      if (Math.min(width, height) < shortSide) enlarged++;
      const target = join(dir, `${String(i).padStart(4, '0')}-${basename(files[i]).replace(/\.[^.]*$/, '')}.jpg`);
      await source
        .rotate()
        .resize(width <= height ? { width: shortSide } : { height: shortSide })
        .jpeg({ quality: 90 })
        .toFile(target);
      out[i] = target;
    }
  };
  try {
    await Promise.all(Array.from({ length: availableParallelism() }, one));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { files: out, enlarged, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
