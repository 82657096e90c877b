import { getHeapStatistics } from 'node:v8';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeImage } from '../../../src/perception/image/decode.js';
import { freeUnusedPixels, type CollectGarbage } from '../../../src/perception/image/pixel-memory.js';

const LIMIT = { maxPixels: 100_000_000 };
const globals = globalThis as { gc?: CollectGarbage };

/** A 2000×1500 JPEG: decoded, 9 MB of pixels outside V8's heap, like a large preview. */
function largeJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#4080c0' } })
    .jpeg()
    .toBuffer();
}

/** Decodes a photo and lets go of it, as the engine does once a photo's analysis is stored. */
async function decodeAndDrop(jpeg: Buffer): Promise<number> {
  const image = await decodeImage(jpeg, LIMIT);
  return image.data.length;
}

describe('freeUnusedPixels', () => {
  const exposed = globals.gc;
  afterEach(() => {
    globals.gc = exposed;
  });

  it('asks V8 for a minor collection, and decodeImage asks before each decode', async () => {
    const jpeg = await largeJpeg();
    const collect = vi.fn<CollectGarbage>();
    globals.gc = collect;
    freeUnusedPixels();
    expect(collect.mock.calls).toEqual([[{ type: 'minor' }]]);
    await decodeImage(jpeg, LIMIT);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('does nothing when node runs without --expose-gc', async () => {
    globals.gc = undefined;
    expect(() => freeUnusedPixels()).not.toThrow();
    const image = await decodeImage(await largeJpeg(), LIMIT);
    expect(image.width).toBe(2000);
  });

  it("keeps at most two dropped photos' pixels while photos are decoded one after another", async () => {
    // the test workers run node with --expose-gc, as npm start and the container do (vitest.config.ts)
    expect(typeof exposed).toBe('function');
    const jpeg = await largeJpeg();
    freeUnusedPixels();
    freeUnusedPixels();
    const before = getHeapStatistics().external_memory;
    let bytes = 0;
    let peak = 0;
    for (let i = 0; i < 8; i++) {
      bytes = await decodeAndDrop(jpeg);
      peak = Math.max(peak, getHeapStatistics().external_memory - before);
    }
    expect(bytes).toBe(2000 * 1500 * 3);
    // a photo dropped after its analysis is freed by the collection before the next decode but one (the first
    // finds its holder still referenced), so two dropped photos wait at most, beside the one just decoded
    expect(peak).toBeGreaterThanOrEqual(bytes);
    expect(peak).toBeLessThanOrEqual(3 * bytes);
  });
});
