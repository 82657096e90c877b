import { afterEach, describe, expect, it } from 'vitest';
import { ReviewService } from '../../src/service/review.js';
import type { Store } from '../../src/store/store.js';
import { HAS_FIXTURES } from '../helpers/fixtures.js';
import { cosine } from '../helpers/cosine.js';
import { reviewApp, scannedStore } from './review-store.js';

describe.skipIf(!HAS_FIXTURES)("review: a clustered face's likeness to its person's faces", () => {
  let store: Store | null = null;
  afterEach(() => {
    store?.close();
    store = null;
  });

  /** The clustered face of the person with the most clear faces, and that person's other clear faces. */
  const clusteredFace = (s: Store) => {
    const faces = s.observations.all().filter((o) => o.observation.face?.embedding && !o.dismissed);
    const clear = faces.filter((o) => o.personId && o.observation.face!.quality.clear);
    const counts = new Map<string, number>();
    for (const o of clear) counts.set(o.personId!, (counts.get(o.personId!) ?? 0) + 1);
    const person = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    const face = clear.find((o) => o.personId === person && o.assignedBy === 'cluster')!;
    const others = clear.filter((o) => o.personId === person && o.id !== face.id);
    return { face, person, others, unclear: faces.find((o) => !o.observation.face!.quality.clear) };
  };

  it('weighs the face against every clear face of its person, not only exemplars, and shows it on the page', async () => {
    store = (await scannedStore()).store;
    const { face, person, others } = clusteredFace(store);
    expect(others.length).toBeGreaterThanOrEqual(3);
    const vector = face.observation.face!.embedding!.vector;
    const expected = others
      .map((o) => ({ id: o.id, c: cosine(vector, o.observation.face!.embedding!.vector) }))
      .sort((a, b) => b.c - a.c || a.id - b.id)
      .slice(0, 3);
    const view = new ReviewService(store).face(face.id)!;
    expect(view.resemblance?.own.personId).toBe(person);
    expect(view.resemblance?.own.nearest.map((f) => f.observationId)).toEqual(expected.map((e) => e.id));
    expect(view.resemblance?.own.meanSimilarity).toBeCloseTo((expected[0].c + expected[1].c + expected[2].c) / 3, 5);
    const page = await (await reviewApp(store).request(`/faces/${face.id}`)).text();
    expect(page).toContain('class="resemblance"');
    expect(page).toContain(`mean ${Math.round(view.resemblance!.own.meanSimilarity * 100)}%`);
  });

  it("says nothing of likeness for the user's own placement, and says why an unclear face joined", async () => {
    store = (await scannedStore()).store;
    const { face, person, unclear } = clusteredFace(store);
    store.observations.assign([{ id: face.id, personId: person, assignedBy: 'user' }]);
    expect(new ReviewService(store).face(face.id)!.resemblance).toBeNull();
    expect(await (await reviewApp(store).request(`/faces/${face.id}`)).text()).not.toContain('class="resemblance"');

    expect(unclear).toBeDefined();
    store.observations.assign([{ id: unclear!.id, personId: person, assignedBy: 'cluster' }]);
    const page = await (await reviewApp(store).request(`/faces/${unclear!.id}`)).text();
    expect(page).toMatch(/Joined because it resembles 3 of/);
  });
});
