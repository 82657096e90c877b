import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import exifr from 'exifr';
import { FOLDER_SOURCE, type LoadedAsset, type Source, type SourceAsset, type SourceListing } from '../../ports.js';
import { listImages } from './walk.js';

interface ExifFields {
  DateTimeOriginal?: Date;
  CreateDate?: Date;
  latitude?: number;
  longitude?: number;
}

/**
 * A plain folder of photos as a source. A photo's identity is its path relative to the root (forward slashes);
 * whether it changed is only known once its bytes are hashed, so the listing carries no checksum. Every listing is
 * complete: a stored photo that is no longer in the folder is gone. A photo that failed is tried again at every scan.
 */
export class FolderSource implements Source {
  readonly name = FOLDER_SOURCE;
  readonly retryFailed = 'every-pass';

  constructor(readonly root: string) {}

  async list(): Promise<SourceListing> {
    const files = await listImages([this.root]);
    const assets = files.map((path): SourceAsset => ({
      id: relative(this.root, path).split('\\').join('/'),
      checksum: null,
      capturedAt: null,
      latitude: null,
      longitude: null,
    }));
    return { assets, complete: true, removed: [], commit: () => {} };
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
