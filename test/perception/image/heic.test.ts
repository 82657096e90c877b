import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeImage, ImageDecodeError } from '../../../src/perception/image/decode.js';
import type { RgbImage } from '../../../src/types.js';

const LIMIT = { maxPixels: 100_000_000 };

/** heif-enc (Debian's libheif-examples) with its x265 HEVC encoder: how an iPhone's HEIC is made. */
function canEncodeHevc(): boolean {
  const probe = spawnSync('heif-enc', ['--list-encoders'], { encoding: 'utf8' });
  return probe.status === 0 && /x265/.test(probe.stdout);
}
const HEVC = canEncodeHevc();
if (!HEVC) console.warn('[skip] heif-enc with x265 not found (apt install libheif-examples): HEIC tests are skipped');

/** A 128×96 picture whose quadrants differ, so that any rotation or mirroring shows (smaller ones become grids). */
function quadrants(): Promise<Buffer> {
  const quadrant = (r: number, g: number, b: number) => ({
    create: { width: 64, height: 48, channels: 3 as const, background: { r, g, b } },
  });
  return sharp(quadrant(220, 30, 30))
    .extend({ right: 64, bottom: 48, background: '#000' })
    .composite([
      { input: quadrant(30, 200, 40), left: 64, top: 0 },
      { input: quadrant(30, 40, 210), left: 0, top: 48 },
      { input: quadrant(240, 240, 240), left: 64, top: 48 },
    ])
    .removeAlpha() // an alpha channel would become a second image item
    .png()
    .toBuffer();
}

function encodeHeic(png: Buffer): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'heic-'));
  writeFileSync(join(dir, 'in.png'), png);
  execFileSync('heif-enc', ['-q', '90', '-o', join(dir, 'out.heic'), join(dir, 'in.png')], { stdio: 'ignore' });
  return readFileSync(join(dir, 'out.heic'));
}

/**
 * Adds an `irot` property (rotation by angle × 90° anticlockwise) to heif-enc's single-image file, as a camera does
 * for a portrait shot: the box goes at the end of ipco, the image's ipma entry gains it, the enclosing sizes grow and
 * the iloc offsets into mdat move by as much. heif-enc 1.15 cannot write irot itself.
 */
function withRotation(heic: Buffer, angle: 1 | 2 | 3): Buffer {
  const find = (type: string, from: number, to: number): number => {
    for (let at = from; at < to; at += heic.readUInt32BE(at))
      if (heic.toString('latin1', at + 4, at + 8) === type) return at;
    throw new Error(`no ${type} box`);
  };
  const meta = find('meta', 0, heic.length);
  const metaEnd = meta + heic.readUInt32BE(meta);
  const iloc = find('iloc', meta + 12, metaEnd);
  const iprp = find('iprp', meta + 12, metaEnd);
  const ipco = find('ipco', iprp + 8, iprp + heic.readUInt32BE(iprp));
  const ipma = find('ipma', ipco + heic.readUInt32BE(ipco), iprp + heic.readUInt32BE(iprp));
  const ipcoEnd = ipco + heic.readUInt32BE(ipco);
  const ipmaEnd = ipma + heic.readUInt32BE(ipma);
  expect([heic[iloc + 8], heic[iloc + 12], heic[iloc + 13], heic[ipma + 8], heic.readUInt32BE(ipma + 12)]).toEqual([
    0, 0x44, 0x40, 0, 1,
  ]);
  const properties = (() => {
    let count = 0;
    for (let at = ipco + 8; at < ipcoEnd; at += heic.readUInt32BE(at)) count++;
    return count;
  })();
  const irot = Buffer.from([0, 0, 0, 9, ...Buffer.from('irot'), angle]);
  const grown = irot.length + 1;
  const out = Buffer.concat([
    heic.subarray(0, ipcoEnd),
    irot,
    heic.subarray(ipcoEnd, ipmaEnd),
    Buffer.from([0x80 | (properties + 1)]), // essential, 1-based index of the new property
    heic.subarray(ipmaEnd),
  ]);
  const shift = (at: number) => (at >= ipcoEnd ? at + irot.length : at);
  for (const box of [meta, iprp, ipco])
    out.writeUInt32BE(heic.readUInt32BE(box) + (box === ipco ? irot.length : grown), box);
  out.writeUInt32BE(heic.readUInt32BE(ipma) + 1, shift(ipma));
  const associations = shift(ipma) + 18; // fullbox 12 + entry_count 4 + item_ID 2
  out[associations] += 1;
  // iloc version 0, 4-byte fields: item count, then per item id, data ref, base offset, extent count, extents
  let at = iloc + 16;
  for (let items = heic.readUInt16BE(iloc + 14); items > 0; items--) {
    const extents = heic.readUInt16BE(at + 8);
    for (let e = 0; e < extents; e++) {
      const offset = at + 10 + e * 8;
      out.writeUInt32BE(heic.readUInt32BE(offset) + grown, offset);
    }
    at += 10 + extents * 8;
  }
  return out;
}

/** Mean absolute difference per channel value of two images of one size. */
function meanDifference(a: RgbImage, b: RgbImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

describe.skipIf(!HEVC)('HEVC-coded HEIC', () => {
  let png: Buffer;
  let heic: Buffer;
  beforeAll(async () => {
    png = await quadrants();
    heic = encodeHeic(png);
  });

  it('is a HEIF container with HEVC inside, as an iPhone writes', async () => {
    const header = await sharp(heic).metadata();
    expect([header.format, header.compression]).toEqual(['heif', 'hevc']);
  });

  it('decodes to the pixels it was made from', async () => {
    const decoded = await decodeImage(heic, LIMIT);
    expect(meanDifference(decoded, await decodeImage(png, LIMIT))).toBeLessThan(6);
  });

  it("applies the container's rotation", async () => {
    const decoded = await decodeImage(withRotation(heic, 1), LIMIT);
    expect([decoded.width, decoded.height]).toEqual([96, 128]);
    const anticlockwise = await decodeImage(await sharp(png).rotate(270).png().toBuffer(), LIMIT);
    expect(meanDifference(decoded, anticlockwise)).toBeLessThan(6);
  });

  it('goes through the same normalisation: resizing while decoding and the pixel guard', async () => {
    const small = await decodeImage(heic, { ...LIMIT, size: { width: 16, height: 12 } });
    expect([small.width, small.height, small.data.length]).toEqual([16, 12, 16 * 12 * 3]);
    await expect(decodeImage(heic, { maxPixels: 1000 })).rejects.toMatchObject({ reason: 'too-large' });
  });

  it("reports a truncated file as corrupt, with libheif's reason and nothing on stdout", async () => {
    const log = vi.spyOn(console, 'log');
    const error = await decodeImage(heic.subarray(0, heic.length - 200), LIMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).reason).toBe('corrupt');
    expect((error as Error).message).toMatch(/^corrupt or truncated HEIC image: .*end of file/i);
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });
});
