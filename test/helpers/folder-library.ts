import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Store } from '../../src/store/store.js';
import type { Box, Observation } from '../../src/types.js';

const face = (box: Box): Observation => ({
  face: {
    box,
    score: 0.99,
    landmarks: [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ],
    quality: { clear: true, score: 0.9, blur: 100, yaw: 0, size: 50 },
  },
});
const body = (box: Box): Observation => ({ upperBody: { box, score: 0.9, source: 'person' } });

/** A JPEG of `width`×`height` stored pixels, tagged with an EXIF orientation; `shade` makes each photo's bytes its own. */
export async function photo(width: number, height: number, shade: number, orientation = 1): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: shade, g: 90, b: 160 } } })
    .withMetadata({ orientation })
    .jpeg()
    .toBuffer();
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export interface Library {
  root: string;
  db: string;
}

/**
 * A scanned folder as the store holds it: Ann (p1) on a.jpg, on the sideways photo (stored 300×400, EXIF orientation
 * 6, so 400×300 upright) and, body only, on body.jpg; Bob (p2) on b.jpg and next to Ann on a.jpg; an unnamed p3 on
 * a.jpg and alone on c.jpg.
 */
export async function scannedLibrary(): Promise<Library> {
  const dir = mkdtempSync(join(tmpdir(), 'xmp-export-'));
  const root = join(dir, 'photos');
  mkdirSync(join(root, 'trip'), { recursive: true });
  const db = join(dir, 'people.db');
  const store = Store.open(db);
  try {
    const library = store.libraries.ensure('folder', root);
    store.people.create({ id: 'p1', name: 'Ann' });
    store.people.create({ id: 'p2', name: 'Bob & <Co>' });
    store.people.create({ id: 'p3' });
    const photos: [string, Buffer, { width: number; height: number }, [Observation, string][]][] = [
      [
        'a.jpg',
        await photo(400, 300, 10),
        { width: 400, height: 300 },
        [
          [face([100, 50, 200, 110]), 'p1'],
          [face([250, 60, 330, 140]), 'p2'],
          [face([20, 20, 60, 70]), 'p3'],
        ],
      ],
      [
        'trip/sideways.jpg',
        await photo(300, 400, 20, 6),
        { width: 400, height: 300 },
        [[face([100, 50, 200, 110]), 'p1']],
      ],
      ['b.jpg', await photo(200, 200, 30), { width: 200, height: 200 }, [[face([50, 40, 150, 160]), 'p2']]],
      ['c.jpg', await photo(200, 200, 40), { width: 200, height: 200 }, [[face([50, 40, 150, 160]), 'p3']]],
      ['body.jpg', await photo(200, 200, 50), { width: 200, height: 200 }, [[body([20, 20, 180, 200]), 'p1']]],
    ];
    for (const [file, bytes, size, observations] of photos) {
      writeFileSync(join(root, file), bytes);
      const asset = store.assets.upsert({
        source: 'folder',
        library: library.id,
        sourceId: file,
        contentHash: sha256(bytes),
        capturedAt: null,
        latitude: null,
        longitude: null,
      });
      store.assets.markDone(asset.id, size);
      const ids = store.observations.replaceForAsset(
        asset.id,
        observations.map(([o]) => o),
      );
      store.observations.assign(ids.map((id, i) => ({ id, personId: observations[i][1], assignedBy: 'cluster' })));
    }
  } finally {
    store.close();
  }
  return { root, db };
}
