import type { Metadata } from 'sharp';

/**
 * HEVC-coded HEIF (every iPhone photo since iOS 11) through libheif compiled to wasm: sharp's prebuilt libvips reads
 * HEIF containers but carries no HEVC decoder (patents), so it fails on them. AVIF is AV1 in the same container and
 * sharp decodes it itself.
 */
export function needsHeifFallback(header: Metadata): boolean {
  return header.format === 'heif' && header.compression === 'hevc';
}

export interface RgbaImage {
  width: number;
  height: number;
  /** 4 channels, upright: libheif applies the container's rotation and mirroring (irot, imir). */
  rgba: Buffer;
}

const LIBHEIF_FAILURE = 'Decoding image failed';

/** libheif-js reports why a decode failed with console.log (stdout, where `detect` writes JSON): catch that line. */
function libheifReason(args: readonly unknown[]): string | undefined {
  if (args[0] !== LIBHEIF_FAILURE) return undefined;
  const status = args[2];
  const message =
    typeof status === 'object' && status !== null && 'message' in status ? String(status.message) : undefined;
  return message?.trim() || LIBHEIF_FAILURE;
}

/** One decode at a time: libheif's wasm runs on this thread anyway, and console.log is borrowed for its duration. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Decodes the primary image. The wasm module (about 2 MB) loads on the first HEIC only. HEIF's orientation is its
 * irot/imir transforms; an EXIF orientation tag inside a HEIF repeats them for old readers and must not be applied
 * again.
 */
export function decodeHeif(bytes: Uint8Array): Promise<RgbaImage> {
  const run = queue.then(async () => {
    const { default: decode } = await import('heic-decode');
    const log = console.log;
    let reason: string | undefined;
    console.log = (...args: unknown[]) => {
      const said = libheifReason(args);
      if (said === undefined) log(...args);
      else reason = said;
    };
    try {
      const { width, height, data } = await decode({ buffer: bytes });
      return { width, height, rgba: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
    } catch (error) {
      throw reason ? new Error(reason, { cause: error }) : error;
    } finally {
      console.log = log;
    }
  });
  queue = run.catch(() => undefined);
  return run;
}
