import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  buildRegionXmp,
  isOurSidecar,
  regionName,
  regionSidecar,
  sidecarAction,
  storedArea,
  storedSize,
  type ExifOrientation,
  type RegionSidecar,
} from '../../../src/hosts/folder/xmp-regions.js';
import { decodeImage } from '../../../src/perception/image/decode.js';
import type { Box } from '../../../src/types.js';

const UPRIGHT = { width: 400, height: 300 };
/** Left 0.25, right 0.5, top 1/6, bottom 11/30 of the upright 400×300 photo. */
const BOX: Box = [100, 50, 200, 110];

describe('storedArea: an upright box as an MWG area of the stored image', () => {
  it.each([
    [1, { x: 0.375, y: 0.266667, w: 0.25, h: 0.2 }],
    [2, { x: 0.625, y: 0.266667, w: 0.25, h: 0.2 }],
    [3, { x: 0.625, y: 0.733333, w: 0.25, h: 0.2 }],
    [4, { x: 0.375, y: 0.733333, w: 0.25, h: 0.2 }],
    [5, { x: 0.266667, y: 0.375, w: 0.2, h: 0.25 }],
    [6, { x: 0.266667, y: 0.625, w: 0.2, h: 0.25 }],
    [7, { x: 0.733333, y: 0.625, w: 0.2, h: 0.25 }],
    [8, { x: 0.733333, y: 0.375, w: 0.2, h: 0.25 }],
  ] as const)('orientation %i', (orientation, area) => {
    expect(storedArea(BOX, UPRIGHT, orientation)).toEqual(area);
  });

  it('swaps the stored size for the four sideways orientations only', () => {
    expect([1, 2, 3, 4].map((o) => storedSize(UPRIGHT, o as ExifOrientation))).toEqual(
      Array(4).fill({ width: 400, height: 300 }),
    );
    expect([5, 6, 7, 8].map((o) => storedSize(UPRIGHT, o as ExifOrientation))).toEqual(
      Array(4).fill({ width: 300, height: 400 }),
    );
  });

  it('clips a box that sticks out of the photo, and drops one with nothing inside', () => {
    expect(storedArea([-40, -30, 100, 150], UPRIGHT, 1)).toEqual({ x: 0.125, y: 0.25, w: 0.25, h: 0.5 });
    expect(storedArea([380, 280, 460, 330], UPRIGHT, 1)).toEqual({ x: 0.975, y: 0.966667, w: 0.05, h: 0.066667 });
    expect(storedArea([400, 10, 450, 60], UPRIGHT, 1)).toBeNull();
    expect(storedArea([10, 10, 10, 60], UPRIGHT, 1)).toBeNull();
    expect(storedArea([Number.NaN, 10, 20, 60], UPRIGHT, 1)).toBeNull();
  });

  /**
   * The reader's side, independently: libvips applies each EXIF orientation to a stored picture with a red block at a
   * known stored place; where the block lands upright is the box the store would hold. Turned back, it must be the
   * stored place again, to within a pixel of the JPEG's blur.
   */
  it.each([1, 2, 3, 4, 5, 6, 7, 8] as const)('agrees with libvips on orientation %i', async (orientation) => {
    const stored = { width: 160, height: 100 };
    const block = { left: 20, top: 10, width: 40, height: 30 };
    const red = await sharp({ create: { width: block.width, height: block.height, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    const jpeg = await sharp({ create: { ...stored, channels: 3, background: '#00f' } })
      .composite([{ input: red, left: block.left, top: block.top }])
      .withMetadata({ orientation })
      .jpeg({ quality: 100 })
      .toBuffer();
    const upright = await decodeImage(jpeg, { maxPixels: 1e6 });
    let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let y = 0; y < upright.height; y++) {
      for (let x = 0; x < upright.width; x++) {
        const i = 3 * (y * upright.width + x);
        if (upright.data[i] > 128 && upright.data[i + 2] < 128) {
          [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
        }
      }
    }
    const size = { width: upright.width, height: upright.height };
    expect(storedSize(size, orientation)).toEqual(stored);
    const area = storedArea([x1, y1, x2, y2], size, orientation)!;
    expect(Math.abs(area.x * stored.width - (block.left + block.width / 2))).toBeLessThanOrEqual(1);
    expect(Math.abs(area.y * stored.height - (block.top + block.height / 2))).toBeLessThanOrEqual(1);
    expect(Math.abs(area.w * stored.width - block.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(area.h * stored.height - block.height)).toBeLessThanOrEqual(2);
  });
});

const SIDECAR: RegionSidecar = {
  width: 300,
  height: 400,
  regions: [
    { name: 'Ann & <Bo>', area: { x: 0.266667, y: 0.625, w: 0.2, h: 0.25 } },
    { name: 'Cleo', area: { x: 0.7, y: 0.5, w: 0.1, h: 0.125 } },
  ],
};

const UNSIGNED_XMP = `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="immich-people">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#">
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions rdf:parseType="Resource">
     <stDim:w>300</stDim:w>
     <stDim:h>400</stDim:h>
     <stDim:unit>pixel</stDim:unit>
    </mwg-rs:AppliedToDimensions>
    <mwg-rs:RegionList>
     <rdf:Bag>
      <rdf:li rdf:parseType="Resource">
       <mwg-rs:Name>Ann &amp; &lt;Bo&gt;</mwg-rs:Name>
       <mwg-rs:Type>Face</mwg-rs:Type>
       <mwg-rs:Area rdf:parseType="Resource">
        <stArea:x>0.266667</stArea:x>
        <stArea:y>0.625000</stArea:y>
        <stArea:w>0.200000</stArea:w>
        <stArea:h>0.250000</stArea:h>
        <stArea:unit>normalized</stArea:unit>
       </mwg-rs:Area>
      </rdf:li>
      <rdf:li rdf:parseType="Resource">
       <mwg-rs:Name>Cleo</mwg-rs:Name>
       <mwg-rs:Type>Face</mwg-rs:Type>
       <mwg-rs:Area rdf:parseType="Resource">
        <stArea:x>0.700000</stArea:x>
        <stArea:y>0.500000</stArea:y>
        <stArea:w>0.100000</stArea:w>
        <stArea:h>0.125000</stArea:h>
        <stArea:unit>normalized</stArea:unit>
       </mwg-rs:Area>
      </rdf:li>
     </rdf:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The signature: the sha256 of the rest, in a comment on the line after <x:xmpmeta>. */
const signature = (unsigned: string) =>
  ' <!-- written by immich-people export-xmp, which rewrites or removes this file only while it is as written: ' +
  `sha256:${sha256(unsigned)} -->\n`;
const sign = (unsigned: string) => unsigned.replace(/(<x:xmpmeta[^\n]*\n)/, `$1${signature(unsigned)}`);
const EXPECTED_XMP = sign(UNSIGNED_XMP);

describe('the sidecar text', () => {
  it('is an XMP packet with the MWG regions, names escaped', () => {
    expect(buildRegionXmp(SIDECAR)).toBe(EXPECTED_XMP);
  });

  it('orders regions by place, so the same faces in any order give the same text', () => {
    const faces = [
      { name: 'Cleo', box: [280, 60, 330, 100] as Box },
      { name: 'Ann & <Bo>', box: [100, 50, 200, 110] as Box },
    ];
    const a = regionSidecar(faces, UPRIGHT, 6);
    const b = regionSidecar([...faces].reverse(), UPRIGHT, 6);
    expect(a).toEqual(b);
    expect(a).toEqual({
      width: 300,
      height: 400,
      // the same x: the upper one first
      regions: [
        { name: 'Cleo', area: { x: 0.266667, y: 0.2375, w: 0.133333, h: 0.125 } },
        { name: 'Ann & <Bo>', area: { x: 0.266667, y: 0.625, w: 0.2, h: 0.25 } },
      ],
    });
  });

  it('keeps names on one line and drops what XML cannot carry; an empty name gives no region', () => {
    expect(regionName('  Ann\tMarie\nLee\u0000 ')).toBe('Ann Marie Lee');
    expect(regionName('Zoë 🙂')).toBe('Zoë 🙂');
    expect(regionName('\u0007\r\n')).toBe('');
    const sidecar = regionSidecar(
      [
        { name: '\u0001 ', box: BOX },
        { name: 'Ann\r\nLee', box: BOX },
      ],
      UPRIGHT,
      1,
    );
    expect(sidecar.regions).toEqual([{ name: 'Ann Lee', area: { x: 0.375, y: 0.266667, w: 0.25, h: 0.2 } }]);
  });
});

describe('telling our sidecars from the user’s', () => {
  it('knows its own by their signature, whatever their layout', () => {
    expect(isOurSidecar(EXPECTED_XMP)).toBe(true);
    expect(isOurSidecar(buildRegionXmp({ width: 10, height: 20, regions: [] }))).toBe(true);
    // a sidecar from a version that laid the file out otherwise is still ours
    expect(isOurSidecar(sign(UNSIGNED_XMP.replace(/\n +/g, '\n')))).toBe(true);
  });

  it('refuses any other text, and ours with any change', () => {
    const edited = [
      EXPECTED_XMP.replace('<stArea:x>0.700000', '<stArea:x>0.710000'), // a region moved in another program
      EXPECTED_XMP.replace('<mwg-rs:Name>Cleo', '<mwg-rs:Name>Cleo B'), // renamed there
      EXPECTED_XMP.replace('</rdf:Description>', '</rdf:Description>\n  <rdf:Description rdf:about=""/>'),
      EXPECTED_XMP.replace(/\n/g, '\r\n'),
      EXPECTED_XMP.trimEnd(),
      EXPECTED_XMP.replace(/sha256:[0-9a-f]{64}/, `sha256:${'0'.repeat(64)}`),
      UNSIGNED_XMP,
      '',
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>',
    ];
    for (const text of edited) expect(isOurSidecar(text)).toBe(false);
  });

  it('decides what to do with a sidecar from what we want and what is there', () => {
    const ours = EXPECTED_XMP;
    const other = buildRegionXmp({ ...SIDECAR, regions: SIDECAR.regions.slice(1) });
    const users = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><!-- digiKam --></x:xmpmeta>';
    expect(sidecarAction(ours, null)).toBe('create');
    expect(sidecarAction(ours, ours)).toBe('unchanged');
    expect(sidecarAction(ours, other)).toBe('update');
    expect(sidecarAction(null, ours)).toBe('remove');
    expect(sidecarAction(ours, users)).toBe('foreign');
    expect(sidecarAction(null, users)).toBe('none');
    expect(sidecarAction(null, null)).toBe('none');
  });
});
