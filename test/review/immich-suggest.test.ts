/**
 * The review page against Immich in suggest mode: Immich's people are the truth; the page answers merge suggestions
 * and face proposals (accepting writes to Immich, rejecting is remembered here) and refuses every other edit.
 */
import { Permission } from '@immich/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningFakeImmich } from '../fakes/immich/index.js';
import { HAS_FIXTURES } from '../helpers/fixtures.js';
import { suggestLibrary as library } from './immich-review.js';
import { post } from './review-store.js';

let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
});

async function answer(app: { request: (r: Request) => Response | Promise<Response> }, path: string) {
  const response = await app.request(post(path, {}));
  const json = (await response.json()) as { note?: string | null; error?: string; undo?: number | null };
  return { status: response.status, ...json };
}

/** The library, its fake Immich closed after the test. */
async function suggestLibrary() {
  const review = await library();
  immich = review.immich;
  return review;
}

describe.skipIf(!HAS_FIXTURES)('review page against Immich, suggest mode', () => {
  it('shows face proposals, puts an accepted face on the person in Immich, and remembers a rejected one', async () => {
    const { app, store, fake, editor, people, unassigned, kitUnassigned, observationOn, cycle } =
      await suggestLibrary();
    const proposals = editor.proposals!({ offset: 0, limit: 100 }).items;
    const byAsset = new Map(proposals.map((p) => [p.asset, p]));
    expect([...byAsset.keys()].sort()).toEqual(['kit_harington~3', 'obama~4', 'obama~5']);
    const page = await (await app.request('/suggestions?faces=1')).text();
    expect(page).toContain(`data-proposal="${proposals[0].observationId}"`);
    expect(await (await app.request('/suggestions')).text()).toContain('3 face proposals');

    // Immich's unassigned face is reassigned to the person
    const four = observationOn('obama~4');
    const target = store.immich.person(byAsset.get('obama~4')!.personId)!.immichId!;
    expect([people.obama.id, people.barack.id]).toContain(target);
    const accepted = await answer(app, `/api/proposals/${four.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(fake.face(unassigned.id)!.personId).toBe(target);
    expect(store.observations.byIds([four.id], { vectors: false })[0].assignedBy).toBe('user');
    expect(fake.writes().map((w) => w.op)).toEqual(['reassignFacesById']);

    // no face in Immich: one is created on the person
    const five = observationOn('obama~5');
    expect((await answer(app, `/api/proposals/${five.id}/accept`)).status).toBe(200);
    const created = fake.faces('obama~5');
    expect(created).toHaveLength(1);
    expect(created[0].personId).toBe(store.immich.person(byAsset.get('obama~5')!.personId)!.immichId);
    expect(store.immich.face(five.id)!.immichFaceId).toBe(created[0].id);

    // rejected: nothing in Immich, not proposed again, not even after the next cycle
    fake.clearRequests();
    const three = observationOn('kit_harington~3');
    const rejected = await answer(app, `/api/proposals/${three.id}/reject`);
    expect(rejected.note).toBe('remembered here: not proposed for "Kit" again');
    expect(fake.writes()).toEqual([]);
    expect(fake.face(kitUnassigned.id)!.personId).toBeNull();
    await cycle();
    expect(fake.writes()).toEqual([]);
    expect(editor.proposals!({ offset: 0, limit: 100 }).items.map((p) => p.observationId)).not.toContain(three.id);
    expect(store.observations.byIds([three.id], { vectors: false })[0].personId).not.toBe(
      byAsset.get('kit_harington~3')!.personId,
    );
  });

  it('undoes an accepted proposal that created a face by deleting it, and refuses one Immich cannot unassign', async () => {
    const { app, store, fake, observationOn } = await suggestLibrary();
    const four = observationOn('obama~4');
    const five = observationOn('obama~5');
    const reassigned = await answer(app, `/api/proposals/${four.id}/accept`);
    const created = await answer(app, `/api/proposals/${five.id}/accept`);
    const [face] = fake.faces('obama~5');
    expect((await answer(app, `/api/history/${created.undo}/undo`)).status).toBe(200);
    expect(fake.face(face.id)!.deletedAt).not.toBeNull();
    expect(store.observations.byIds([five.id], { vectors: false })[0].assignedBy).toBe('assign');
    const refused = await answer(app, `/api/history/${reassigned.undo}/undo`);
    expect(refused.status).toBe(409);
    expect(refused.error).toMatch(/^Immich cannot take a face off a person without deleting it/);
    expect(store.observations.byIds([four.id], { vectors: false })[0].assignedBy).toBe('user');
  });

  it('accepts a merge suggestion by merging in Immich; rejecting one writes nothing', async () => {
    const { app, store, fake, people, cycle } = await suggestLibrary();
    const [suggestion] = store.suggestions.list();
    const names = [suggestion.personA, suggestion.personB].map((id) => store.people.get(id)!.name).sort();
    expect(names).toEqual(['Barack', 'Obama']);
    const page = await (await app.request('/suggestions')).text();
    expect(page).toContain(`data-suggestion="${suggestion.id}"`);
    const accepted = await answer(app, `/api/suggestions/${suggestion.id}/accept`);
    expect(accepted).toMatchObject({ status: 200, note: 'in Immich too' });
    expect(fake.requests({ op: 'mergePersonLegacy' })).toHaveLength(1);
    const left = fake.people().map((p) => p.id);
    expect(left).toContain(people.kit.id);
    expect(left.filter((id) => id === people.obama.id || id === people.barack.id)).toHaveLength(1);
    expect(store.people.get(suggestion.personB)).toBeUndefined();
    fake.clearRequests();
    await cycle();
    expect(fake.writes()).toEqual([]);
    store.suggestions.replaceOpen([
      { personA: suggestion.personA, personB: store.immich.byImmichId(people.kit.id)!.personId, score: 0.3 },
    ]);
    const [other] = store.suggestions.list();
    const rejected = await answer(app, `/api/suggestions/${other.id}/reject`);
    expect(rejected).toMatchObject({
      status: 200,
      note: 'kept apart here (Immich has no notion of a rejected suggestion)',
    });
    expect(fake.writes()).toEqual([]);
  });

  it('keeps Immich’s own message when the key may not move faces, and changes nothing', async () => {
    const { app, store, fake, observationOn } = await suggestLibrary();
    fake.revoke(Permission.FaceUpdate);
    const four = observationOn('obama~4');
    const refused = await answer(app, `/api/proposals/${four.id}/accept`);
    expect(refused).toMatchObject({
      status: 409,
      error: expect.stringMatching(/^reassign face: Immich answered 403: Missing required permission: face\.update/),
    });
    expect(store.observations.byIds([four.id], { vectors: false })[0].assignedBy).toBe('assign');
    expect(fake.writes().filter((w) => w.status === 200 || w.status === 201)).toEqual([]);
  });

  it('refuses every other edit, pointing to Immich’s People page, and writes nothing', async () => {
    const { app, store, fake, people } = await suggestLibrary();
    const obama = store.immich.byImmichId(people.obama.id)!.personId;
    const kit = store.immich.byImmichId(people.kit.id)!.personId;
    const [face] = store.observations.ofPerson(obama);
    const edits: [string, unknown][] = [
      [`/api/people/${obama}/name`, { name: 'Barack Obama' }],
      [`/api/people/${obama}/hide`, { hidden: true }],
      [`/api/people/${obama}/cover`, { face: face.id }],
      [`/api/people/${obama}/merge`, { from: kit }],
      ['/api/faces/move', { faces: [face.id], to: kit, name: null }],
      ['/api/faces/remove', { faces: [face.id] }],
      ['/api/faces/dismiss', { faces: [face.id] }],
    ];
    for (const [path, body] of edits) {
      const response = await app.request(post(path, body));
      expect(response.status, path).toBe(409);
      const { error } = (await response.json()) as { error: string };
      expect(error, path).toMatch(
        /^suggest mode: Immich's people are the truth, so .* in Immich, on its People page \(http:\/\/immich\.test\/people\)/,
      );
    }
    expect(fake.writes()).toEqual([]);
    expect(store.people.get(obama)!.name).toBe('Obama');
    expect(store.observations.byIds([face.id], { vectors: false })[0].personId).toBe(obama);
    expect((await app.request('/')).status).toBe(200);
    expect(await (await app.request('/')).text()).toContain('Immich (suggest mode)');
  });
});
