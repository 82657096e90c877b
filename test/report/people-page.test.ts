import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { scanCommand } from '../../src/cli/scan.js';
import { writePeopleReport } from '../../src/report/people-page.js';
import { Store } from '../../src/store/store.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { fixture, HAS_FIXTURES, HAS_MODELS } from '../helpers/fixtures.js';

const run = promisify(execFile);

const READY = HAS_FIXTURES && HAS_MODELS;
if (!READY)
  console.warn('[skip] people report: needs the fixture photos and the models (see test/helpers/fixtures.ts)');

const PHOTOS = [
  'obama/obama_1.jpg',
  'obama/obama_2.jpg',
  'obama/obama_3.jpg',
  'compreface_a/compreface_a_001.jpg',
  'compreface_a/compreface_a_002.jpg',
  'compreface_a/compreface_a_003.jpg',
  'kit_harington/kit_harington_1.jpg',
  'kit_harington/kit_harington_2.jpg',
  'kit_harington/kit_harington_3.jpg',
];

const count = (html: string, pattern: RegExp) => html.match(pattern)?.length ?? 0;
const personIds = (html: string) =>
  [...html.matchAll(/<section class="person" data-person-id="([^"]*)"/g)].map((m) => m[1]);

describe.skipIf(!READY)('people report (--report)', () => {
  let dir: string;
  let library: string;
  let db: string;
  let out: string;
  /** People the page must show: not hidden, with at least one observation. */
  let expected: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'people-report-'));
    library = join(dir, 'library');
    for (const photo of PHOTOS) {
      mkdirSync(join(library, photo.split('/')[0]), { recursive: true });
      copyFileSync(fixture(`people/${photo}`), join(library, photo));
    }
    db = join(dir, 'people.db');
    out = join(dir, 'people.html');
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await scanCommand([library, '--db', db, '--report', out])).toBe(0);
    } finally {
      quiet.mockRestore();
    }
    const store = Store.open(db);
    try {
      expected = store.people
        .list()
        .filter((p) => !p.hidden && p.observations > 0)
        .map((p) => p.id);
    } finally {
      store.close();
    }
  });

  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is self-contained: no external URLs, no scripts, images inline', () => {
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\burl\(/i);
    // every image is a data: URI
    const sources = [...html.matchAll(/<img\b[^>]*\bsrc="([^"]*)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(expected.length);
    for (const src of sources) expect(src).toMatch(/^data:image\/jpeg;base64,[A-Za-z0-9+/]+=*$/);
    expect(html).not.toContain('class="crop missing"');
  });

  it('has one card per person, the totals, the unknown faces and the merge suggestions', () => {
    const html = readFileSync(out, 'utf8');
    expect(expected.length).toBeGreaterThanOrEqual(3); // three identities in the photos
    expect(personIds(html).sort()).toEqual([...expected].sort());
    const store = Store.open(db);
    try {
      expect(count(html, /<div class="suggestion"/g)).toBe(store.suggestions.list().length);
      expect(html).toContain(`<span data-total="people"><b>${expected.length}</b>`);
      expect(html).toContain(`<span data-total="images"><b>${PHOTOS.length}</b>`);
      expect(html).toContain(`<span data-total="faces"><b>${store.observations.count().faces}</b>`);
    } finally {
      store.close();
    }
    expect(html).toContain('Unknown faces');
    expect(html).toContain('Merge suggestions');
    // each card shows at most 8 crops
    for (const card of html.split('<section class="person"').slice(1)) {
      const crops = count(card.split('</section>')[0], /class="crop/g);
      expect(crops).toBeGreaterThanOrEqual(1);
      expect(crops).toBeLessThanOrEqual(8);
    }
  });

  it('escapes names that users typed', async () => {
    const store = Store.open(db);
    const named = join(dir, 'named.html');
    const evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
    try {
      store.people.rename(expected[0], evil);
      await writePeopleReport(store, library, named);
    } finally {
      store.people.rename(expected[0], null);
      store.close();
    }
    const html = readFileSync(named, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;',
    );
    expect(personIds(html).sort()).toEqual([...expected].sort());
  });

  it('shows merge suggestions side by side and crops of unknown faces', async () => {
    // on a copy of the store, so that the other checks see the scan's result
    const copy = join(dir, 'edited.db');
    copyFileSync(db, copy);
    const store = Store.open(copy);
    const page = join(dir, 'edited.html');
    let unknownId: number;
    try {
      const [a, b, c] = expected;
      store.suggestions.replaceOpen([{ personA: a, personB: b, score: 0.613 }]);
      const faces = store.observations.all({ vectors: false }).filter((s) => s.personId === c && s.observation.face);
      unknownId = faces[0].id;
      store.observations.assign([{ id: unknownId, personId: null, assignedBy: null }]);
      await writePeopleReport(store, library, page);
    } finally {
      store.close();
    }
    const html = readFileSync(page, 'utf8');
    const suggestions = html.split('<div class="suggestion"').slice(1);
    expect(suggestions).toHaveLength(1);
    const [a, b] = [...expected.slice(0, 2)].sort();
    expect(suggestions[0]).toContain(`data-person-a="${a}" data-person-b="${b}" data-score="0.613"`);
    expect(count(suggestions[0], /<div class="side" data-person-id=/g)).toBe(2);
    expect(count(suggestions[0].split('</section>')[0], /<img class="crop"/g)).toBe(2);
    expect(suggestions[0]).toContain('0.613');
    const unknown = html.split('<section class="unknown')[1].split('</section>')[0];
    expect(unknown).toContain('data-count="1"');
    expect(unknown).toContain('1 face not assigned');
    expect(html).toContain('<span data-total="suggestions"><b>1</b>');
    if (process.env.PEOPLE_REPORT_COPY) copyFileSync(page, process.env.PEOPLE_REPORT_COPY);
  });

  it('shows placeholders, not an error, when the photos are gone', async () => {
    const store = Store.open(db);
    const orphan = join(dir, 'orphan.html');
    try {
      await writePeopleReport(store, join(dir, 'no-such-library'), orphan);
    } finally {
      store.close();
    }
    const html = readFileSync(orphan, 'utf8');
    expect(personIds(html).sort()).toEqual([...expected].sort());
    expect(count(html, /<img\b/g)).toBe(0);
    expect(count(html, /class="crop missing"/g)).toBeGreaterThanOrEqual(expected.length);
  });

  it.skipIf(!CHROMIUM)('renders in headless Chromium with the expected number of people', async () => {
    const flags = (profile: string) => [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${mkdtempSync(join(dir, profile))}`,
    ];
    const url = `file://${out}`;
    const shot = process.env.PEOPLE_REPORT_SCREENSHOT ?? join(dir, 'people.png');
    const options = { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 };
    const [dom] = await Promise.all([
      run(CHROMIUM!, [...flags('chromium-dom-'), '--dump-dom', url], options),
      run(CHROMIUM!, [...flags('chromium-shot-'), `--screenshot=${shot}`, '--window-size=1200,900', url], options),
    ]);
    const rendered = dom.stdout;
    expect(rendered).toContain('<h1>People</h1>');
    expect(personIds(rendered).sort()).toEqual([...expected].sort());
    expect(count(rendered, /<section class="person"/g)).toBe(expected.length);
    const png = readFileSync(shot);
    expect(png.length).toBeGreaterThan(10_000);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  });
});
