/**
 * The review page in a real headless Chromium (Debian's), driven by playwright-core: each flow clicks or types as a
 * user would, then checks the store and that a full re-cluster keeps the edit.
 */
import type { ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FolderSource } from '../../src/hosts/folder/source.js';
import { listen } from '../../src/review/server.js';
import { ScanService } from '../../src/service/scan.js';
import type { Store } from '../../src/store/store.js';
import { RecordedPerception } from '../fakes/perception/index.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { offlinePage } from '../helpers/offline-page.js';
import { FIXTURES, HAS_FIXTURES } from '../helpers/fixtures.js';
import { reviewApp, scannedStore } from './review-store.js';

describe.skipIf(!HAS_FIXTURES || !CHROMIUM)('review page in Chromium', () => {
  let browser: Browser;
  let store: Store;
  let db: string;
  let server: ServerType;
  let base: string;
  let page: Page;
  /** Console errors and requests that left the server: both must stay empty. */
  let problems: string[];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  const start = async () => {
    ({ store, db } = await scannedStore());
    const listening = await listen(reviewApp(store), '127.0.0.1', 0);
    server = listening.server;
    base = `http://127.0.0.1:${listening.port}`;
    problems = [];
    page = await offlinePage(browser, base, problems);
  };
  afterEach(async () => {
    await page?.close();
    await new Promise((done) => server?.close(done));
    store?.close();
    expect(problems).toEqual([]);
  });

  /** A full re-cluster of the same photos, as the nightly job or `scan --recluster` runs it. */
  const recluster = () =>
    new ScanService(store, new RecordedPerception(), { indexPath: db }).scan(new FolderSource(FIXTURES), {
      recluster: true,
    });
  const toast = (text: string) => page.locator('#toast', { hasText: text }).waitFor();

  it('names a person, and the name survives a re-cluster', async () => {
    await start();
    const person = store.people.list()[0];
    await page.goto(`${base}/people/${person.id}`);
    await page.getByLabel('Name', { exact: true }).fill('Barack');
    await page.getByRole('button', { name: 'Save name' }).click();
    await toast('Name saved.');
    expect(store.people.get(person.id)?.name).toBe('Barack');
    await page.goto(base);
    await expect(page.locator('.person-card .name').first().textContent()).resolves.toBe('Barack');
    await recluster();
    const faces = store.observations.all({ vectors: false }).filter((o) => o.personId === person.id);
    expect(store.people.list().find((p) => p.name === 'Barack')?.id).toBe(person.id);
    expect(faces.length).toBe(person.observations);
  });

  it('merges two people through a suggestion with the keyboard, kept by a re-cluster', async () => {
    await start();
    const [a, b] = store.people.list();
    store.suggestions.replaceOpen([{ personA: a.id, personB: b.id, score: 0.6 }]);
    const [into, from] = a.id < b.id ? [a, b] : [b, a];
    await page.goto(`${base}/suggestions`);
    await page.locator('.suggestion').waitFor();
    await page.keyboard.press('y');
    await toast('Merged.');
    expect(store.people.get(from.id)).toBeUndefined();
    expect(store.people.get(into.id)?.observations).toBe(a.observations + b.observations);
    await recluster();
    const holders = new Set(
      store.observations
        .all({ vectors: false })
        .filter((o) => o.personId === into.id || o.assignedBy === 'user')
        .map((o) => o.personId),
    );
    expect(holders).toEqual(new Set([into.id]));
  });

  it('moves a face to another person, keeps it through a re-cluster, and undoes the move', async () => {
    await start();
    const [a, b] = store.people.list();
    await store.people.rename(b.id, 'Bea');
    await page.goto(`${base}/people/${a.id}`);
    const tile = page.locator('.tile').first();
    const faceId = Number(await tile.getAttribute('data-face'));
    await tile.locator('input.pick').check();
    await expect(page.locator('.selected-count').first().textContent()).resolves.toBe('1 selected');
    await page.getByLabel('Move to').fill(`Bea · ${b.id}`);
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await toast('1 face moved.');
    const moved = () => store.observations.byIds([faceId], { vectors: false })[0];
    expect(moved()).toMatchObject({ personId: b.id, assignedBy: 'user' });
    await recluster();
    expect(moved()).toMatchObject({ personId: b.id, assignedBy: 'user' });
    await page.goto(`${base}/history`);
    const row = page.locator('tr', { hasText: 'moved' }).first();
    await row.getByRole('button', { name: 'Undo' }).click();
    await toast('Undone.');
    expect(moved().personId).toBe(a.id);
    await expect(page.locator('tr.undone').count()).resolves.toBeGreaterThan(0);
  });

  it('dismisses an unknown face as not a face: gone from the page and from every re-cluster', async () => {
    await start();
    await page.goto(`${base}/unknown`);
    const total = Number(await page.locator('.unknown-total').textContent());
    const tile = page.locator('.tile').first();
    const faceId = Number(await tile.getAttribute('data-face'));
    await tile.locator('input.pick').check();
    await page.getByRole('button', { name: 'Not a face' }).click();
    await toast('1 face marked as not a face.');
    await expect(page.locator('.unknown-total').textContent()).resolves.toBe(String(total - 1));
    await recluster();
    await page.reload();
    await expect(page.locator(`[data-face="${faceId}"]`).count()).resolves.toBe(0);
    expect(store.observations.byIds([faceId], { vectors: false })[0].personId).toBeNull();
  });

  it('names a group of unknown faces as a new person, kept by a re-cluster', async () => {
    await start();
    await page.goto(`${base}/unknown`);
    const group = page.locator('.group').first();
    const members = (await group
      .locator('[data-member]')
      .evaluateAll((all) => all.map((m) => Number(m.getAttribute('data-member'))))) as number[];
    await group.getByLabel('Name this group').fill('Newcomer');
    await group.getByRole('button', { name: 'Name', exact: true }).click();
    await toast('Newcomer added.');
    const newcomer = store.people.list().find((p) => p.name === 'Newcomer')!;
    expect(page.url()).toBe(`${base}/people/${newcomer.id}`);
    const placed = () => store.observations.byIds(members, { vectors: false }).map((o) => o.personId);
    expect(new Set(placed())).toEqual(new Set([newcomer.id]));
    await recluster();
    expect(new Set(placed())).toEqual(new Set([newcomer.id]));
  });

  it('chooses a cover and hides a person; both survive a re-cluster', async () => {
    await start();
    const person = store.people.list()[0];
    await page.goto(`${base}/people/${person.id}`);
    const tile = page.locator('.tile').nth(1);
    const faceId = Number(await tile.getAttribute('data-face'));
    await tile.getByRole('button', { name: 'cover' }).click();
    await toast('Cover chosen.');
    await expect(page.locator('.tile .cover-mark').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Hide this person' }).click();
    await toast('Hidden.');
    await recluster();
    expect(store.people.get(person.id)).toMatchObject({ hidden: true, cover: faceId });
    await page.goto(base);
    await expect(page.locator(`a[href="/people/${person.id}"]`).count()).resolves.toBe(0);
    await page.goto(`${base}/?hidden=1`);
    await expect(page.locator(`a[href="/people/${person.id}"] img`).getAttribute('src')).resolves.toBe(
      `/img/face/${faceId}.jpg`,
    );
  });
});
