/**
 * Review page benchmark (issue 14): `npm run bench:review [-- --people 1000 --faces 5000 --runs 5]`.
 *
 * Builds a synthetic store beside a folder of generated photos: `--people` people with 5 faces each (the people
 * grid) and one person with `--faces` faces (a person page), 512-D unit vectors around a centre per person, 5
 * exemplars each. Serves it with the app's own review server and loads each page in Debian's Chromium through
 * playwright-core: time to first contentful paint and to DOMContentLoaded (the server-rendered grid is then in the
 * page; face thumbnails load lazily after), median of `--runs` cold loads. Also the server's own time per page.
 */
import '../src/privacy.js';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { createReviewApp } from '../src/review/app.js';
import { listen } from '../src/review/server.js';
import { StoreEditor } from '../src/service/review-editor.js';
import { folderPhotoBytes, ReviewImages } from '../src/service/review-images.js';
import { ReviewService } from '../src/service/review.js';
import { Store } from '../src/store/store.js';
import type { Box, Observation } from '../src/types.js';
import { mulberry32 } from './cluster-data.js';

const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '1000' },
    faces: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  },
});
const PEOPLE = Number(values.people);
const BIG = Number(values.faces);
const RUNS = Number(values.runs);
const DIM = 512;
const FACES_PER_PHOTO = 20;
const random = mulberry32(14);

function unit(around?: Float32Array, noise = 0.6): Float32Array {
  const v = new Float32Array(DIM);
  let n = 0;
  for (let i = 0; i < DIM; i++) {
    const g = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    v[i] = (around ? around[i] : 0) + g * (around ? noise / Math.sqrt(DIM) : 1);
    n += v[i] * v[i];
  }
  for (let i = 0; i < DIM; i++) v[i] /= Math.sqrt(n);
  return v;
}

async function buildLibrary(): Promise<{ db: string; bigPerson: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-review-'));
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  const db = join(dir, 'people.db');
  const store = Store.open(db);
  const library = store.libraries.ensure('folder', photos);
  const members: { personId: string; vector: Float32Array }[] = [];
  for (let p = 0; p < PEOPLE; p++) {
    const id = store.people.create({ id: `p${p}`, name: p % 3 === 0 ? `Person ${p}` : null });
    const centre = unit();
    for (let f = 0; f < 5; f++) members.push({ personId: id, vector: unit(centre) });
  }
  const big = store.people.create({ id: 'big', name: 'Many Faces' });
  const bigCentre = unit();
  for (let f = 0; f < BIG; f++) members.push({ personId: big, vector: unit(bigCentre) });
  const photoCount = Math.ceil(members.length / FACES_PER_PHOTO);
  const exemplars = new Map<string, number[]>();
  store.transaction(() => {
    for (let i = 0; i < photoCount; i++) {
      const name = `${String(i).padStart(5, '0')}.jpg`;
      const asset = store.assets.upsert({
        source: 'folder',
        library: library.id,
        sourceId: name,
        contentHash: name,
        capturedAt: i * 60_000,
        latitude: null,
        longitude: null,
      });
      store.assets.markDone(asset.id, { width: 1000, height: 800 });
      const group = members.slice(i * FACES_PER_PHOTO, (i + 1) * FACES_PER_PHOTO);
      const observations: Observation[] = group.map((m, k) => {
        const x = (k % 5) * 200 + 40;
        const y = Math.floor(k / 5) * 200 + 20;
        const box: Box = [x, y, x + 120, y + 150];
        return {
          face: {
            box,
            score: 0.9,
            landmarks: [
              [x + 35, y + 60],
              [x + 85, y + 60],
              [x + 60, y + 90],
              [x + 40, y + 120],
              [x + 80, y + 120],
            ],
            quality: { clear: true, score: 0.5 + random() / 2, blur: 200, yaw: 0, size: 120 },
            embedding: { model: 'bench-face', vector: m.vector },
          },
        };
      });
      const ids = store.observations.replaceForAsset(asset.id, observations);
      store.observations.assign(group.map((m, k) => ({ id: ids[k], personId: m.personId, assignedBy: 'cluster' })));
      group.forEach((m, k) => {
        const list = exemplars.get(m.personId) ?? [];
        if (list.length < 5) exemplars.set(m.personId, [...list, ids[k]]);
      });
    }
    exemplars.forEach((ids, person) => store.people.setExemplars(person, ids));
  });
  store.close();
  // small photos on disk, so the thumbnails the page asks for are real decodes
  await Promise.all(
    Array.from({ length: photoCount }, (_, i) =>
      sharp({ create: { width: 1000, height: 800, channels: 3, background: { r: i % 255, g: 120, b: 180 } } })
        .jpeg()
        .toFile(join(photos, `${String(i).padStart(5, '0')}.jpg`)),
    ),
  );
  return { db, bigPerson: big };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const built = Date.now();
  const { db, bigPerson } = await buildLibrary();
  console.log(`store: ${PEOPLE + 1} people, ${PEOPLE * 5 + BIG} faces, built in ${Date.now() - built} ms`);
  const store = Store.open(db);
  const review = new ReviewService(store);
  const app = createReviewApp({
    review,
    images: new ReviewImages(store, folderPhotoBytes(store)),
    editor: new StoreEditor(store),
  });
  const { server, port } = await listen(app, '127.0.0.1', 0);
  review.prepare(); // as serve does once it listens
  const browser = await chromium.launch({ executablePath: values.chromium, args: ['--no-sandbox'] });
  const pages = [
    { label: `people grid, ${PEOPLE + 1} people`, path: '/' },
    { label: `person page, ${BIG} faces`, path: `/people/${bigPerson}` },
  ];
  for (const { label, path } of pages) {
    const fcp: number[] = [];
    const dcl: number[] = [];
    const serverMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${port}${path}`, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
      // a string, so this Node-side file needs no DOM types
      const timing = (await page.evaluate(`({
        fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
        dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
        items: document.querySelectorAll('.grid li').length,
      })`)) as { fcp: number; dcl: number; items: number };
      fcp.push(timing.fcp);
      dcl.push(timing.dcl);
      if (run === 0) console.log(`${label}: ${timing.items} items in the first page`);
      await context.close();
      const t0 = performance.now();
      await app.request(path);
      serverMs.push(performance.now() - t0);
    }
    // the browser's first load of a page is the cold one: the server builds its exemplar index and explanations then
    console.log(
      `${label}: first contentful paint ${median(fcp).toFixed(0)} ms (cold ${fcp[0].toFixed(0)} ms), ` +
        `DOMContentLoaded ${median(dcl).toFixed(0)} ms (cold ${dcl[0].toFixed(0)} ms), ` +
        `server alone ${median(serverMs).toFixed(0)} ms (median of ${RUNS})`,
    );
  }
  await browser.close();
  server.close();
  store.close();
}

await main();
