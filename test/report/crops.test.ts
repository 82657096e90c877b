import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cropRegion, decodeUpright, renderCrops, type CropAsset, type DecodeUpright } from '../../src/report/crops.js';
import { escapeHtml } from '../../src/report/html.js';

const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };

/** An upright 100×200 photo, blue with a red square at [10,10]–[60,60], stored sideways with EXIF orientation 6. */
async function sidewaysPhoto(file: string): Promise<void> {
  const upright = await sharp({ create: { width: 100, height: 200, channels: 3, background: BLUE } })
    .composite([
      {
        input: await sharp({ create: { width: 50, height: 50, channels: 3, background: RED } })
          .png()
          .toBuffer(),
        left: 10,
        top: 10,
      },
    ])
    .png()
    .toBuffer();
  // stored pixels are the upright image turned 90° anticlockwise; orientation 6 turns them back on display
  const stored = await sharp(upright).rotate(270).toBuffer();
  writeFileSync(file, await sharp(stored).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer());
}

async function meanColour(uri: string): Promise<{ size: [number, number]; mean: number[] }> {
  const jpeg = Buffer.from(uri.replace(/^data:image\/jpeg;base64,/, ''), 'base64');
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const mean = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) mean[c] += data[i + c];
  return { size: [info.width, info.height], mean: mean.map((m) => m / (data.length / info.channels)) };
}

describe('report crops', () => {
  it('cuts upright crops, decoding each photo once, with placeholders for missing photos', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crops-'));
    await sidewaysPhoto(join(root, 'sideways.jpg'));
    const assets = new Map<number, CropAsset>([
      [1, { sourceId: 'sideways.jpg', width: 100, height: 200 }],
      [2, { sourceId: 'gone.jpg', width: 100, height: 100 }],
      [3, { sourceId: '../outside.jpg', width: 100, height: 100 }],
    ]);
    const decoded: string[] = [];
    const counting: DecodeUpright = (file, size) => {
      decoded.push(file);
      return decodeUpright(file, size);
    };
    const crops = await renderCrops(
      root,
      assets,
      [
        { id: 10, assetId: 1, box: [20, 20, 50, 50], kind: 'face' },
        { id: 11, assetId: 1, box: [20, 120, 80, 180], kind: 'face' },
        { id: 12, assetId: 1, box: [0, 0, 100, 200], kind: 'body' },
        { id: 20, assetId: 2, box: [10, 10, 50, 50], kind: 'face' },
        { id: 30, assetId: 3, box: [10, 10, 50, 50], kind: 'face' },
        { id: 40, assetId: 99, box: [10, 10, 50, 50], kind: 'face' },
      ],
      { decode: counting },
    );
    // the outside path is refused before decoding; the missing one fails to decode; the real photo decodes once
    expect(decoded.filter((f) => f.endsWith('sideways.jpg'))).toHaveLength(1);
    expect(decoded.some((f) => f.endsWith('outside.jpg'))).toBe(false);
    expect(crops.get(20)).toBeNull();
    expect(crops.get(30)).toBeNull();
    expect(crops.get(40)).toBeNull();

    const red = await meanColour(crops.get(10)!);
    expect(red.size).toEqual([96, 96]);
    expect(red.mean[0]).toBeGreaterThan(200);
    expect(red.mean[2]).toBeLessThan(60);
    const blue = await meanColour(crops.get(11)!);
    expect(blue.mean[2]).toBeGreaterThan(200);
    expect(blue.mean[0]).toBeLessThan(60);
    expect((await meanColour(crops.get(12)!)).size).toEqual([96, 96]);
  });

  it('decodes a big photo shrunk when its crops need fewer pixels, and maps the boxes onto it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crops-big-'));
    const red = await sharp({ create: { width: 400, height: 400, channels: 3, background: RED } })
      .png()
      .toBuffer();
    await sharp({ create: { width: 1600, height: 1200, channels: 3, background: BLUE } })
      .composite([{ input: red, left: 900, top: 500 }])
      .jpeg()
      .toFile(join(root, 'big.jpg'));
    const sizes: ({ width: number; height: number } | null)[] = [];
    const crops = await renderCrops(
      root,
      new Map([[1, { sourceId: 'big.jpg', width: 1600, height: 1200 }]]),
      [{ id: 1, assetId: 1, box: [960, 560, 1240, 840], kind: 'face' }],
      {
        decode: (file, size) => {
          sizes.push(size);
          return decodeUpright(file, size);
        },
      },
    );
    expect(sizes).toHaveLength(1);
    expect(sizes[0]!.width).toBeLessThan(800);
    const crop = await meanColour(crops.get(1)!);
    expect(crop.size).toEqual([96, 96]);
    expect(crop.mean[0]).toBeGreaterThan(200);
    expect(crop.mean[2]).toBeLessThan(60);
  });

  it('puts a margin around faces and keeps the square inside the photo', () => {
    expect(cropRegion({ id: 1, assetId: 1, box: [40, 40, 60, 60], kind: 'face' }, 100, 100)).toEqual({
      left: 35,
      top: 35,
      width: 30,
      height: 30,
    });
    // near the corner: slid inside, same size
    expect(cropRegion({ id: 1, assetId: 1, box: [0, 0, 20, 20], kind: 'face' }, 100, 100)).toEqual({
      left: 0,
      top: 0,
      width: 30,
      height: 30,
    });
    // larger than the photo: clipped to it
    const big = cropRegion({ id: 1, assetId: 1, box: [0, 0, 100, 80], kind: 'face' }, 100, 80);
    expect(big).toEqual({ left: 0, top: 0, width: 100, height: 80 });
  });

  it('escapes text for HTML', () => {
    expect(escapeHtml(`<b a="1">'&'</b>`)).toBe('&lt;b a=&quot;1&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;');
    expect(escapeHtml(0.5)).toBe('0.5');
  });
});
