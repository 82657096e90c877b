import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import exifr from 'exifr';
import { FOLDER_SOURCE, type LoadedAsset, type Source, type SourceAsset, type SourceListing } from '../../ports.js';
import { walkImages, type WalkFileSystem } from './walk.js';

interface ExifFields {
  DateTimeOriginal?: Date;
  CreateDate?: Date;
  latitude?: number;
  longitude?: number;
}

/**
 * A plain folder of photos as a source: one library, at its root. A photo's identity is its path relative to the root
 * (forward slashes); whether it changed is only known once its bytes are hashed, so the listing carries no checksum.
 * A listing is complete only when the root is there, readable and not empty: an unmounted drive's empty mount point
 * removes nothing. Photos under a folder the walk could not read are unlisted, never removed. A photo that failed is
 * tried again at every scan.
 */
export class FolderSource implements Source {
  readonly name = FOLDER_SOURCE;
  readonly retryFailed = 'every-pass';
  readonly location: string;

  /** `fileSystem`: for tests that need a folder even root cannot read. */
  constructor(
    readonly root: string,
    private readonly fileSystem?: WalkFileSystem,
  ) {
    this.location = root;
  }

  async list(): Promise<SourceListing> {
    const info = await stat(this.root).catch(() => null);
    if (!info) throw new Error(`the folder ${this.root} is not there (a drive not mounted?)`);
    if (!info.isDirectory()) throw new Error(`${this.root} is not a folder`);
    const walked = await walkImages([this.root], this.fileSystem);
    const idOf = (path: string) => relative(this.root, path).split('\\').join('/');
    const rootSkipped = walked.skipped.find((s) => idOf(s.path) === '');
    if (rootSkipped) throw new Error(`${this.root}: ${rootSkipped.reason}`);
    const assets = walked.files.map((path): SourceAsset => ({
      id: idOf(path),
      checksum: null,
      capturedAt: null,
      latitude: null,
      longitude: null,
    }));
    const skipped = walked.skipped.map((s) => ({ path: idOf(s.path), reason: s.reason }));
    return {
      assets,
      complete: assets.length > 0,
      removed: [],
      unlisted: skipped.map((s) => s.path),
      skipped,
      commit: () => {},
    };
  }

  /** The file's bytes, their sha256, and its time and place: EXIF DateTimeOriginal (or CreateDate), else mtime. */
  async load(asset: SourceAsset): Promise<LoadedAsset> {
    const path = join(this.root, asset.id);
    const [bytes, info] = await Promise.all([readFile(path), stat(path)]);
    const contentHash = createHash('sha256').update(bytes).digest('hex');
    let exif: ExifFields | undefined;
    try {
      exif = (await exifr.parse(bytes, { pick: ['DateTimeOriginal', 'CreateDate', 'GPSLatitude', 'GPSLongitude'] })) as
        ExifFields | undefined;
    } catch {
      exif = undefined; // no or unreadable EXIF: fall back to the file time; the decoder reports real corruption
    }
    const taken = exif?.DateTimeOriginal ?? exif?.CreateDate;
    const valid = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    return {
      bytes,
      contentHash,
      capturedAt: taken instanceof Date && !Number.isNaN(taken.getTime()) ? taken.getTime() : info.mtimeMs,
      latitude: valid(exif?.latitude) ? exif.latitude : null,
      longitude: valid(exif?.longitude) ? exif.longitude : null,
    };
  }

  isFatal(): boolean {
    return false; // one unreadable file never stops the scan
  }
}
