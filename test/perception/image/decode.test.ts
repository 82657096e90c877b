import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Color } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError } from '../../../src/perception/image/decode.js';
import { fixture, HAS_FIXTURES } from '../../helpers/fixtures.js';

const LIMIT = { maxPixels: 100_000_000 };

function chunk(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A PNG whose header claims width×height, with one tiny compressed row behind it: a decompression bomb's shape. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grey
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function reason(input: Buffer, options = LIMIT): Promise<string> {
  try {
    await decodeImage(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError);
    return `${(error as ImageDecodeError).reason}: ${(error as Error).message}`;
  }
  throw new Error('decoding should have failed');
}

const solid = (channels: 1 | 2 | 3 | 4, background: Color) =>
  sharp({ create: { width: 6, height: 4, channels: channels as 3 | 4, background } });

describe('decodeImage', () => {
  it('converts grey, alpha, 16-bit and CMYK input to 8-bit sRGB', async () => {
    const grey = await decodeImage(await solid(3, '#808080').greyscale().png().toBuffer(), LIMIT);
    expect([grey.width, grey.height, grey.data.length]).toEqual([6, 4, 72]);
    expect(Array.from(grey.data.subarray(0, 3))).toEqual([128, 128, 128]);

    const transparent = await solid(4, { r: 255, g: 0, b: 0, alpha: 0 }).png().toBuffer();
    expect(Array.from((await decodeImage(transparent, LIMIT)).data.subarray(0, 3))).toEqual([255, 255, 255]);

    const deep = await solid(3, '#ff8000').toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    expect(Array.from((await decodeImage(deep, LIMIT)).data.subarray(0, 3))).toEqual([255, 128, 0]);

    const cmyk = await solid(3, '#0000ff').toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const [r, g, b] = (await decodeImage(cmyk, LIMIT)).data;
    // through libvips' default CMYK profile pure blue comes back as a darker blue, about (28, 60, 139)
    expect(b - r).toBeGreaterThan(80);
    expect(b - g).toBeGreaterThan(60);
  });

  it('reads PNG, WebP, TIFF and JPEG', async () => {
    for (const format of ['png', 'webp', 'tiff', 'jpeg'] as const) {
      const bytes = await solid(3, '#336699').toFormat(format).toBuffer();
      const image = await decodeImage(bytes, LIMIT);
      expect([image.width, image.height], format).toEqual([6, 4]);
    }
  });

  it("reads AVIF (sharp's prebuilt libvips carries libheif with AV1)", async () => {
    const bytes = await solid(3, '#336699').avif().toBuffer();
    expect((await decodeImage(bytes, LIMIT)).width).toBe(6);
  });

  it('refuses empty, non-image, corrupt, truncated and oversized input with a clear reason', async () => {
    expect(await reason(Buffer.alloc(0))).toMatch(/^empty: empty file/);
    expect(await reason(Buffer.from('just some text, not a picture'))).toMatch(/^unsupported: not an image/);

    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer();
    expect(await reason(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toMatch(/^corrupt: corrupt or truncated/);

    const garbled = Buffer.from(jpeg);
    garbled.fill(0x55, 200, 600);
    // libjpeg decodes some garbage; either way the size is right or the error is a per-image ImageDecodeError
    const garbledResult = await decodeImage(garbled, LIMIT).then(
      (image) => `${image.width}×${image.height}`,
      (error: unknown) => (error instanceof ImageDecodeError ? 'refused' : String(error)),
    );
    expect(['400×300', 'refused']).toContain(garbledResult);

    // a PNG that declares 30000×30000: refused from its header, before any pixel is decoded
    expect(await reason(pngHeader(30000, 30000))).toMatch(/^too-large: image is 30000×30000 \(900 MP\)/);
    expect(await reason(jpeg, { maxPixels: 1000 })).toMatch(/^too-large: image is 400×300/);
  });

  it.skipIf(!HAS_FIXTURES)('applies EXIF orientation so pixels are upright', async () => {
    const upright = await decodeImage(readFileSync(fixture('groups/curie_portrait.jpg')), LIMIT);
    const rotated = await decodeImage(readFileSync(fixture('groups/curie_portrait_exif_orientation6.jpg')), LIMIT);
    expect([rotated.width, rotated.height]).toEqual([upright.width, upright.height]);
    let diff = 0;
    for (let i = 0; i < upright.data.length; i += 97) diff += Math.abs(upright.data[i] - rotated.data[i]);
    expect(diff / (upright.data.length / 97)).toBeLessThan(12);
  });
});
