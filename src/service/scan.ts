import { decodeImage } from '../perception/image/decode.js';
import type { FolderPhoto, FolderSource, LoadedPhoto } from '../hosts/folder/source.js';
import type { Store } from '../store/store.js';
import type { Observation, Perception, RgbImage } from '../types.js';
import { RecognitionService, type RecognitionSummary } from './recognition.js';

export const FOLDER_SOURCE = 'folder';

export interface ScanSummary extends RecognitionSummary {
  images: number;
  analysed: number;
  unchanged: number;
  failed: number;
  removed: number;
  faces: number;
  reclustered: boolean;
  seconds: number;
}

export type ScanProgress = (done: number, total: number, file: string) => void;

type Prepared =
  | { photo: FolderPhoto; skip: true }
  | { photo: FolderPhoto; skip: false; loaded: LoadedPhoto; image: RgbImage | null; error: string | null };

/**
 * Local library mode: brings a folder into the store (new or changed files only, by content hash), then
 * recognises: new observations are assigned to the gallery at once; a full re-cluster runs when asked, or
 * when there is no gallery yet. Every file's result is committed on its own, so an interrupted scan resumes.
 */
export class ScanService {
  constructor(
    private readonly store: Store,
    private readonly perception: Perception,
    private readonly recognition: RecognitionService,
  ) {}

  private async prepare(source: FolderSource, photo: FolderPhoto): Promise<Prepared> {
    let loaded: LoadedPhoto;
    try {
      loaded = await source.load(photo);
    } catch (error) {
      const message = `cannot read the file: ${(error as Error).message}`;
      return {
        photo,
        skip: false,
        loaded: { bytes: Buffer.alloc(0), contentHash: '', capturedAt: NaN, latitude: null, longitude: null },
        image: null,
        error: message,
      };
    }
    const known = this.store.assets.get(FOLDER_SOURCE, photo.id);
    if (known?.status === 'done' && known.contentHash === loaded.contentHash) return { photo, skip: true };
    try {
      return {
        photo,
        skip: false,
        loaded,
        image: await decodeImage(loaded.bytes, { maxPixels: this.perception.maxPixels }),
        error: null,
      };
    } catch (error) {
      return { photo, skip: false, loaded, image: null, error: (error as Error).message };
    }
  }

  async scan(source: FolderSource, options: { recluster: boolean; progress?: ScanProgress }): Promise<ScanSummary> {
    const started = performance.now();
    const photos = await source.list();
    this.store.assets.requeueOtherModels(this.perception.faceModel);
    const removed = this.store.assets.removeMissing(FOLDER_SOURCE, new Set(photos.map((p) => p.id)));
    let analysed = 0;
    let unchanged = 0;
    let failed = 0;
    let faces = 0;

    // read and decode the next file while the current one is analysed
    let next = photos.length > 0 ? this.prepare(source, photos[0]) : null;
    try {
      for (let i = 0; i < photos.length; i++) {
        const current = await next!;
        next = i + 1 < photos.length ? this.prepare(source, photos[i + 1]) : null;
        options.progress?.(i + 1, photos.length, current.photo.id);
        if (current.skip) {
          unchanged++;
          continue;
        }
        const { loaded } = current;
        const asset = this.store.assets.upsert({
          source: FOLDER_SOURCE,
          sourceId: current.photo.id,
          contentHash: loaded.contentHash,
          capturedAt: Number.isFinite(loaded.capturedAt) ? loaded.capturedAt : null,
          latitude: loaded.latitude,
          longitude: loaded.longitude,
        });
        let error = current.error;
        let observations: Observation[] = [];
        if (current.image) {
          try {
            observations = await this.perception.perceive(current.image);
          } catch (e) {
            error = `analysis failed: ${(e as Error).message}`;
          }
        }
        if (error !== null || !current.image) {
          this.store.assets.markFailed(asset.id, error ?? 'unknown failure');
          failed++;
          continue;
        }
        const image = current.image;
        this.store.transaction(() => {
          this.store.observations.replaceForAsset(asset.id, observations);
          this.store.assets.markDone(asset.id, image);
        });
        analysed++;
        faces += observations.filter((o) => o.face).length;
      }
    } finally {
      // an interrupted scan still lets the file being prepared finish before the store may close
      await next?.catch(() => undefined);
    }

    const noGallery = this.store.people.list().every((p) => p.exemplars.length === 0);
    const reclustered = options.recluster || noGallery || removed > 0;
    const summary = reclustered ? this.recognition.recluster() : this.recognition.assignNew();
    return {
      ...summary,
      images: photos.length,
      analysed,
      unchanged,
      failed,
      removed,
      faces,
      reclustered,
      seconds: (performance.now() - started) / 1000,
    };
  }
}
