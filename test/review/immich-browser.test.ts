/**
 * The review page against Immich in suggest mode, in a real headless Chromium (Debian's) driven by playwright-core:
 * a face proposal and a merge suggestion answered with the keyboard reach the fake Immich (run in this process by
 * msw; the browser talks only to our review server) and the store.
 */
import type { ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../src/review/server.js';
import { startFakeImmich, type RunningFakeImmich } from '../fakes/immich/index.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { offlinePage } from '../helpers/offline-page.js';
import { HAS_FIXTURES, portraitAssets } from '../helpers/fixtures.js';
import { identityOf, immichReview, suggestLibrary } from './immich-review.js';

describe.skipIf(!HAS_FIXTURES || !CHROMIUM)('review page against Immich in Chromium', () => {
  let browser: Browser;
  let immich: RunningFakeImmich | undefined;
  let server: ServerType | undefined;
  let page: Page | undefined;
  /** Console errors and requests that left the server: both must stay empty. */
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.close();
    if (server) await new Promise((done) => server!.close(done));
    immich?.close();
    expect(problems).toEqual([]);
  });

  it('in suggest mode, accepts a face proposal and a merge suggestion with the keyboard', async () => {
    const review = await suggestLibrary();
    immich = review.immich;
    const { store, fake, editor, people } = review;
    const listening = await listen(review.app, '127.0.0.1', 0);
    server = listening.server;
    const base = `http://127.0.0.1:${listening.port}`;
    page = await offlinePage(browser, base, problems);
    const toast = (text: string) => page!.locator('#toast', { hasText: text }).waitFor();

    await page.goto(`${base}/suggestions`);
    await expect(page.locator('nav .mode').textContent()).resolves.toBe('Immich (suggest mode)');
    await page.getByRole('link', { name: '3 face proposals' }).click();
    const shown = page.locator('.suggestion[data-proposal]');
    await shown.waitFor();
    const face = Number(await shown.getAttribute('data-proposal'));
    const proposal = editor.proposals!({ offset: 0, limit: 100 }).items.find((p) => p.observationId === face)!;
    const immichPerson = store.immich.person(proposal.personId)!.immichId!;
    // the face crop is cut from Immich's preview, through our server
    await expect(page.locator(`img[src="/img/face/${face}.jpg"]`).count()).resolves.toBe(1);
    await expect(
      page.evaluate(`fetch('/img/face/${face}.jpg').then((r) => r.headers.get('content-type') + ' ' + r.status)`),
    ).resolves.toBe('image/jpeg 200');
    await page.keyboard.press('y');
    await toast('Assigned.');
    await toast('in Immich too');
    const link = store.immich.face(face)!;
    expect(fake.face(link.immichFaceId)!.personId).toBe(immichPerson);
    expect(store.observations.byIds([face], { vectors: false })[0]).toMatchObject({
      personId: proposal.personId,
      assignedBy: 'user',
    });
    await expect(page.locator('.suggestion[data-proposal]').getAttribute('data-total')).resolves.toBe('2');

    await page.goto(`${base}/suggestions`);
    const suggestion = page.locator('.suggestion[data-suggestion]');
    await suggestion.waitFor();
    const id = Number(await suggestion.getAttribute('data-suggestion'));
    const { personA, personB } = store.suggestions.list().find((s) => s.id === id)!;
    await page.keyboard.press('y');
    await toast('Merged.');
    expect(fake.requests({ op: 'mergePersonLegacy' })).toHaveLength(1);
    const obamas = fake.people().filter((p) => p.id === people.obama.id || p.id === people.barack.id);
    expect(obamas).toHaveLength(1);
    expect(store.people.get(personB)).toBeUndefined();
    expect(store.immich.person(personA)!.immichId).toBe(obamas[0].id);
  });

  it('in manage mode, renames a person and moves a face through the page: in Immich at once, and the next cycle writes nothing', async () => {
    immich = startFakeImmich({ version: '3.2.2', photos: portraitAssets(['obama', 'compreface_a', 'kit_harington']) });
    await immich.fake.ready();
    const review = await immichReview(immich, 'manage');
    await review.cycle();
    immich.fake.runJobs();
    await review.cycle();
    const { store } = review;
    const fake = immich.fake;
    const personOf = (identity: string) => {
      const person = store.people
        .list()
        .find((p) =>
          store.observations
            .ofPerson(p.id)
            .some((o) => identityOf(store.assets.byId(o.assetId)!.sourceId) === identity),
        )!;
      return { person, immichId: store.immich.person(person.id)!.immichId! };
    };
    const [obama, kit] = [personOf('obama'), personOf('kit_harington')];
    const listening = await listen(review.app, '127.0.0.1', 0);
    server = listening.server;
    const base = `http://127.0.0.1:${listening.port}`;
    page = await offlinePage(browser, base, problems);
    const toast = (text: string) => page!.locator('#toast', { hasText: text }).waitFor();

    await page.goto(`${base}/people/${obama.person.id}`);
    await expect(page.locator('nav .mode').textContent()).resolves.toBe('Immich (manage mode)');
    await page.getByLabel('Name', { exact: true }).fill('Barack Obama');
    await page.getByRole('button', { name: 'Save name' }).click();
    await toast('Name saved.');
    expect(fake.person(obama.immichId)!.name).toBe('Barack Obama');
    expect(store.people.get(obama.person.id)!.name).toBe('Barack Obama');

    await page.goto(`${base}/people/${kit.person.id}`);
    const tile = page.locator('.tile').first();
    const faceId = Number(await tile.getAttribute('data-face'));
    const immichFace = store.immich.face(faceId)!.immichFaceId;
    await tile.locator('input.pick').check();
    await page.getByLabel('Move to').fill(`Barack Obama · ${obama.person.id}`);
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await toast('1 face moved.');
    expect(fake.face(immichFace)!.personId).toBe(obama.immichId);

    fake.runJobs();
    fake.clearRequests();
    const next = await review.cycle();
    expect(Object.values(next.userChanges!).every((n) => n === 0)).toBe(true);
    expect(fake.writes()).toEqual([]);
  });
});
