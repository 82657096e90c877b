import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unknownSummary, writePeopleReport } from '../../src/report/people-page.js';
import { Store } from '../../src/store/store.js';
import type { Observation } from '../../src/types.js';
import { scannedLibrary, type Library } from '../helpers/folder-library.js';

const unknownFace = (x: number, clear: boolean, score: number): Observation => ({
  face: {
    box: [x, 20, x + 40, 70],
    score: 0.99,
    landmarks: [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ],
    quality: { clear, score, blur: 100, yaw: 0, size: 40 },
  },
});

/** The HTML of the element that starts with `start`, up to its first `end`. */
const part = (html: string, start: string, end: string) => {
  const from = html.indexOf(start);
  expect(from).toBeGreaterThanOrEqual(0);
  return html.slice(from, html.indexOf(end, from));
};
const cropTitles = (html: string) => [...html.matchAll(/<img class="crop"[^>]* title="([^"]*)"/g)].map((m) => m[1]);

describe('people report: what each part shows', () => {
  let library: Library;
  let html: string;
  let suggestion: number;

  beforeAll(async () => {
    // Ann (p1): faces on a.jpg and the sideways photo, a body without a face on body.jpg; Bob (p2); unnamed p3
    library = await scannedLibrary();
    const store = Store.open(library.db);
    try {
      const c = store.assets.list('folder').find((a) => a.sourceId === 'c.jpg')!;
      const kept = store.observations.forAsset(c.id).map((o) => o.observation);
      const ids = store.observations.replaceForAsset(c.id, [
        ...kept,
        unknownFace(0, true, 0.7),
        unknownFace(40, true, 0.9),
        unknownFace(80, false, 0.95),
        unknownFace(120, true, 0.8),
        { upperBody: { box: [150, 100, 200, 200], score: 0.9, source: 'person' } },
      ]);
      store.observations.assign([{ id: ids[0], personId: 'p3', assignedBy: 'cluster' }]);
      store.suggestions.replaceOpen([{ personA: 'p1', personB: 'p3', score: 0.58 }]);
      suggestion = store.suggestions.list()[0].id;
      const page = join(library.root, '..', 'people.html');
      await writePeopleReport(store, library.root, page, { unknownCrops: 2, now: new Date(0) });
      html = readFileSync(page, 'utf8');
    } finally {
      store.close();
    }
  });

  afterAll(() => {
    rmSync(join(library.root, '..'), { recursive: true, force: true });
  });

  it("shows a person's faces only: a body seen without a face is counted, never shown", () => {
    const ann = part(html, '<section class="person" data-person-id="p1"', '</section>');
    expect(cropTitles(ann)).toEqual(['a.jpg', 'trip/sideways.jpg']);
    expect(ann).toContain(
      '<p class="counts"><span data-count="faces">2 faces</span> · <span data-count="photos">3 photos</span> · ' +
        '<span data-count="bodies">1 seen without a face (not shown)</span></p>',
    );
    const bob = part(html, '<section class="person" data-person-id="p2"', '</section>');
    expect(cropTitles(bob)).toEqual(['a.jpg', 'b.jpg']);
    expect(bob).toContain(
      '<p class="counts"><span data-count="faces">2 faces</span> · <span data-count="photos">2 photos</span></p>',
    );
    expect(cropTitles(html)).not.toContain('body.jpg');
  });

  it('gives the true number of unknown faces and says how many it shows', () => {
    expect(html).toContain('<span data-total="unknown"><b>4</b> unknown faces</span>');
    expect(html).toContain('<h2 id="unknown">Unknown faces (4)</h2>');
    const unknown = part(html, '<section class="unknown', '</section>');
    expect(unknown).toContain('data-count="4" data-shown="2"');
    expect(unknown).toContain(
      '<p class="counts">4 faces not assigned to anyone, 3 of them clear. Showing the 2 clearest; 2 not shown. ' +
        '1 body seen without a face is not assigned either.</p>',
    );
    expect(cropTitles(unknown)).toEqual(['c.jpg', 'c.jpg']);
  });

  it('gives each suggestion its id and the commands that answer it', () => {
    const row = part(html, '<div class="suggestion"', '</p></div>');
    expect(row).toContain(`data-suggestion-id="${suggestion}" data-person-a="p1" data-person-b="p3" data-score="0.58"`);
    expect(row).toContain(
      `<p class="answer"><b>#${suggestion}</b> same person: <code>immich-people suggestions accept ${suggestion}</code>` +
        ` · different: <code>immich-people suggestions reject ${suggestion}</code>`,
    );
    expect(row).toContain('<span class="counts">2 faces</span>');
  });
});

describe('unknownSummary', () => {
  it.each([
    [0, 0, 0, 0, 'No face is left unassigned.'],
    [0, 0, 0, 2, 'No face is left unassigned. 2 bodies seen without a face are not assigned either.'],
    [1, 1, 1, 0, '1 face not assigned to anyone, 1 of them clear. Showing it.'],
    [3, 3, 3, 0, '3 faces not assigned to anyone, 3 of them clear. Showing all 3.'],
    [5, 0, 0, 0, '5 faces not assigned to anyone, 0 of them clear. None is clear enough to show.'],
    [
      98,
      40,
      12,
      4,
      '98 faces not assigned to anyone, 40 of them clear. Showing the 12 clearest; 86 not shown. ' +
        '4 bodies seen without a face are not assigned either.',
    ],
  ])('%i faces, %i clear, %i shown, %i bodies', (faces, clear, shown, bodies, text) => {
    expect(unknownSummary(faces, clear, shown, bodies)).toBe(text);
  });
});
