/**
 * Images the fake serves, rendered like Immich 2.5.6's defaults (immich.md §2b, §7):
 * - preview: JPEG q80, EXIF orientation applied, shorter side at most 1440 px, never enlarged, no metadata;
 * - thumbnail: WebP q80, shorter side at most 250 px;
 * - person thumbnail: a JPEG crop of the feature face.
 * Renders are cached per source and size.
 */
import sharp, { type Sharp } from 'sharp';

export interface Rendered {
  data: Buffer;
  width: number;
  height: number;
  contentType: 'image/jpeg' | 'image/webp';
}

export type RenditionSize = 'preview' | 'thumbnail';

export const PREVIEW_SIZE = 1440;
export const THUMBNAIL_SIZE = 250;

/** Source of a rendition: a file, or a plain grey image of the given size for assets without one. */
export type ImageSource = { file: string } | { blank: { width: number; height: number } };

function sourceKey(source: ImageSource): string {
  return 'file' in source ? `file:${source.file}` : `blank:${source.blank.width}x${source.blank.height}`;
}

function open(source: ImageSource): Sharp {
  if ('file' in source) return sharp(source.file).rotate();
  const { width, height } = source.blank;
  return sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } });
}

async function render(source: ImageSource, size: RenditionSize): Promise<Rendered> {
  const edge = size === 'preview' ? PREVIEW_SIZE : THUMBNAIL_SIZE;
  const pipeline = open(source).resize(edge, edge, { fit: 'outside', withoutEnlargement: true });
  const encoded = size === 'preview' ? pipeline.jpeg({ quality: 80 }) : pipeline.webp({ quality: 80 });
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
  return {
    data,
    width: info.width,
    height: info.height,
    contentType: size === 'preview' ? 'image/jpeg' : 'image/webp',
  };
}

/**
 * Renders are pure functions of (source, size), so every fake in the process shares them: the sidecar tests start a
 * fresh fake for each of their dozens of crash points, and re-rendering the same previews cost most of their time.
 */
const RENDERS = new Map<string, Promise<Rendered>>();

export class MediaCache {
  private readonly cache = RENDERS;

  get(source: ImageSource, size: RenditionSize): Promise<Rendered> {
    const key = `${sourceKey(source)}:${size}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = render(source, size);
      hit.catch(() => this.cache.delete(key));
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** A 250 px JPEG crop of a face box given in `imageWidth`×`imageHeight` space, taken from the preview. */
  async faceCrop(
    source: ImageSource,
    face: { imageWidth: number; imageHeight: number; x1: number; y1: number; x2: number; y2: number },
  ): Promise<Buffer> {
    const preview = await this.get(source, 'preview');
    const sx = preview.width / face.imageWidth;
    const sy = preview.height / face.imageHeight;
    const left = Math.max(0, Math.floor(face.x1 * sx));
    const top = Math.max(0, Math.floor(face.y1 * sy));
    const width = Math.min(preview.width - left, Math.ceil((face.x2 - face.x1) * sx));
    const height = Math.min(preview.height - top, Math.ceil((face.y2 - face.y1) * sy));
    const base =
      width > 0 && height > 0 ? sharp(preview.data).extract({ left, top, width, height }) : sharp(preview.data);
    return base.resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
  }
}

/** Dimensions in display orientation (EXIF orientation 5–8 swaps width and height). */
export async function displaySize(file: string): Promise<{ width: number; height: number }> {
  const meta = await sharp(file).metadata();
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  return (meta.orientation ?? 1) >= 5 ? { width: h, height: w } : { width: w, height: h };
}
