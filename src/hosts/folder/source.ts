import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import exifr from 'exifr';
import { listImages } from './walk.js';

export interface FolderPhoto {
  /** Path relative to the library root, with forward slashes: the asset's identity in the store. */
  id: string;
  path: string;
}

export interface LoadedPhoto {
  bytes: Buffer;
  contentHash: string;
  /** ms since epoch: EXIF DateTimeOriginal (or CreateDate), else the file's modification time. */
  capturedAt: number;
  latitude: number | null;
  longitude: number | null;
}

interface ExifFields {
  DateTimeOriginal?: Date;
  CreateDate?: Date;
  latitude?: number;
  longitude?: number;
}

/** A plain folder of photos as a source of assets. */
export class FolderSource {
  constructor(readonly root: string) {}

  async list(): Promise<FolderPhoto[]> {
    const files = await listImages([this.root]);
    return files.map((path) => ({ id: relative(this.root, path).split('\\').join('/'), path }));
  }

  async load(photo: FolderPhoto): Promise<LoadedPhoto> {
    const [bytes, info] = await Promise.all([readFile(photo.path), stat(photo.path)]);
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
}
