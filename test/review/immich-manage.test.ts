/**
 * The review page against Immich in manage mode: each edit reaches the fake Immich and the store at once, and the
 * sidecar's next cycle neither reads it back as the user's change nor writes anything (a fixed point).
 */
import { Permission } from '@immich/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { startFakeImmich, type RunningFakeImmich } from '../fakes/immich/index.js';
import { HAS_FIXTURES, portraitAssets } from '../helpers/fixtures.js';
import { immichReview, identityOf } from './immich-review.js';
import { post } from './review-store.js';

let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
});

describe.skipIf(!HAS_FIXTURES)('review page against Immich, manage mode', () => {
  /** A library the sidecar has written and settled: its next cycle writes nothing. */
  async function written() {
    immich = startFakeImmich({ version: '3.2.2', photos: portraitAssets(['obama', 'compreface_a', 'kit_harington']) });
    await immich.fake.ready();
    const review = await immichReview(immich, 'manage');
    await review.cycle();
    immich.fake.runJobs();
    await review.cycle();
    immich.fake.clearRequests();
    const { store } = review;
    /** Our person whose faces are on `identity`'s photos, and its Immich person. */
    const personOf = (identity: string) => {
      const person = store.people
        .list()
        .find((p) =>
          store.observations.ofPerson(p.id).some((o) => identityOf(sourceIdOf(store, o.assetId)) === identity),
        )!;
      return { person, immichId: store.immich.person(person.id)!.immichId! };
    };
    return { ...review, personOf };
  }

  /** The edit through the page's API: 200 and what it said. */
  async function edit(app: { request: (r: Request) => Response | Promise<Response> }, path: string, body: unknown) {
    const response = await app.request(post(path, body));
    const json = (await response.json()) as {
      ok?: boolean;
      note?: string | null;
      error?: string;
      person?: string;
      undo?: number | null;
    };
    expect(response.status, json.error).toBe(200);
    return json;
  }

  /** The next sidecar cycle: nothing read back as the user's, nothing written. */
  async function fixedPoint(cycle: () => Promise<{ userChanges: object | null; writeBack: unknown }>) {
    immich!.fake.runJobs();
    immich!.fake.clearRequests();
    const next = await cycle();
    // every count of the read-back is 0 (renamed, hidden, merged, deleted, reassigned, …)
    expect(next.userChanges).toEqual(Object.fromEntries(Object.keys(next.userChanges!).map((k) => [k, 0])));
    expect(Object.keys(next.userChanges!)).toContain('reassignedFaces');
    expect(immich!.fake.writes()).toEqual([]);
  }

  it('renames and hides a person in Immich and here; undo puts the name back in both', async () => {
    const { app, store, personOf, cycle } = await written();
    const { person, immichId } = personOf('obama');
    const named = await edit(app, `/api/people/${person.id}/name`, { name: 'Barack Obama' });
    expect(named.note).toBe('in Immich too');
    expect(immich!.fake.person(immichId)!.name).toBe('Barack Obama');
    expect(store.people.get(person.id)!.name).toBe('Barack Obama');
    await fixedPoint(cycle);
    expect(store.people.get(person.id)!.name).toBe('Barack Obama');

    await edit(app, `/api/people/${person.id}/hide`, { hidden: true });
    expect(immich!.fake.person(immichId)!.isHidden).toBe(true);
    expect(store.people.get(person.id)!.hidden).toBe(true);
    await fixedPoint(cycle);
    expect(store.people.get(person.id)!.hidden).toBe(true);

    await edit(app, `/api/history/${named.undo}/undo`, {});
    expect(immich!.fake.person(immichId)!.name).toBe('');
    expect(store.people.get(person.id)!.name).toBeNull();
    await fixedPoint(cycle);
    expect(store.people.get(person.id)!.name).toBeNull();
  });

  it('chooses the cover as Immich’s feature face', async () => {
    const { app, store, personOf, cycle } = await written();
    const { person, immichId } = personOf('kit_harington');
    const faces = store.observations.ofPerson(person.id).filter((o) => store.immich.face(o.id));
    const chosen = faces[faces.length - 1];
    const result = await edit(app, `/api/people/${person.id}/cover`, { face: chosen.id });
    expect(result.note).toMatch(/picture/);
    const feature = immich!.fake.person(immichId)!.featureFaceId;
    expect(feature).toBe(store.immich.face(chosen.id)!.immichFaceId);
    expect(store.people.get(person.id)!.cover).toBe(chosen.id);
    await fixedPoint(cycle);
    expect(immich!.fake.person(immichId)!.featureFaceId).toBe(feature);
  });

  it('merges two people in Immich and here, and the undo makes the merged one a person of its own again', async () => {
    const { app, store, personOf, cycle } = await written();
    const obama = personOf('obama');
    const kit = personOf('kit_harington');
    const kitFaces = immich!.fake.facesOfPerson(kit.immichId).map((f) => f.id);
    const merged = await edit(app, `/api/people/${obama.person.id}/merge`, { from: kit.person.id });
    expect(merged.note).toBe('in Immich too');
    expect(immich!.fake.person(kit.immichId)).toBeUndefined();
    expect(immich!.fake.facesOfPerson(obama.immichId).map((f) => f.id)).toEqual(expect.arrayContaining(kitFaces));
    expect(store.people.get(kit.person.id)).toBeUndefined();
    await fixedPoint(cycle);
    expect(store.people.get(kit.person.id)).toBeUndefined();

    const undone = await edit(app, `/api/history/${merged.undo}/undo`, {});
    expect(undone.note).toMatch(/a person of its own again/);
    const again = store.immich.person(kit.person.id)!.immichId!;
    expect(again).not.toBe(obama.immichId);
    expect(
      immich!.fake
        .facesOfPerson(again)
        .map((f) => f.id)
        .sort(),
    ).toEqual([...kitFaces].sort());
    await fixedPoint(cycle);
    expect(store.observations.ofPerson(kit.person.id).length).toBe(kit.person.observations);
  });

  it('accepts a merge suggestion in Immich and here; rejecting one is remembered here only', async () => {
    const { app, store, personOf, cycle } = await written();
    const [obama, kit, other] = [personOf('obama'), personOf('kit_harington'), personOf('compreface_a')];
    store.suggestions.replaceOpen([
      { personA: obama.person.id, personB: other.person.id, score: 0.4 },
      { personA: obama.person.id, personB: kit.person.id, score: 0.5 },
    ]);
    const [first, second] = store.suggestions.list();
    const rejected = await edit(app, `/api/suggestions/${first.id}/reject`, {});
    expect(rejected.note).toMatch(/Immich has no notion/);
    expect(immich!.fake.writes()).toEqual([]);
    await edit(app, `/api/suggestions/${second.id}/accept`, {});
    expect(immich!.fake.requests({ op: 'mergePeople' })).toHaveLength(1);
    const [kept, absorbed] = [second.personA, second.personB].map((id) =>
      id === obama.person.id ? obama : id === kit.person.id ? kit : other,
    );
    expect(immich!.fake.person(absorbed.immichId)).toBeUndefined();
    expect(store.people.get(absorbed.person.id)).toBeUndefined();
    expect(immich!.fake.facesOfPerson(kept.immichId).length).toBe(
      kept.person.observations + absorbed.person.observations,
    );
    await fixedPoint(cycle);
    // the rejected pair is kept apart: no suggestion between them comes back
    const rejectedPair = new Set([first.personA, first.personB]);
    expect(store.suggestions.list().some((s) => rejectedPair.has(s.personA) && rejectedPair.has(s.personB))).toBe(
      false,
    );
  });

  it('moves a face to another person in Immich and here; the undo moves it back', async () => {
    const { app, store, personOf, cycle } = await written();
    const [obama, kit] = [personOf('obama'), personOf('kit_harington')];
    const face = store.observations.ofPerson(kit.person.id).find((o) => store.immich.face(o.id))!;
    const immichFace = store.immich.face(face.id)!.immichFaceId;
    const moved = await edit(app, '/api/faces/move', { faces: [face.id], to: obama.person.id, name: null });
    expect(moved.note).toBe('1 face moved in Immich too');
    expect(immich!.fake.face(immichFace)!.personId).toBe(obama.immichId);
    expect(store.observations.byIds([face.id], { vectors: false })[0]).toMatchObject({
      personId: obama.person.id,
      assignedBy: 'user',
    });
    await fixedPoint(cycle);
    expect(immich!.fake.face(immichFace)!.personId).toBe(obama.immichId);

    await edit(app, `/api/history/${moved.undo}/undo`, {});
    expect(immich!.fake.face(immichFace)!.personId).toBe(kit.immichId);
    expect(store.observations.byIds([face.id], { vectors: false })[0].personId).toBe(kit.person.id);
    await fixedPoint(cycle);
  });

  it('undoes a move after the photo was edited in Immich and analysed again', async () => {
    const { app, store, personOf, cycle } = await written();
    const [obama, kit] = [personOf('obama'), personOf('kit_harington')];
    const face = store.observations.ofPerson(kit.person.id).find((o) => store.immich.face(o.id))!;
    const immichFace = store.immich.face(face.id)!.immichFaceId;
    const assetId = sourceIdOf(store, face.assetId);
    const moved = await edit(app, '/api/faces/move', { faces: [face.id], to: obama.person.id, name: null });
    // the user edits the photo in Immich: a new checksum, so the sidecar analyses it again (new observation rows)
    immich!.fake.asset(assetId)!.checksum = `edited-${assetId}`;
    immich!.fake.touchAsset(assetId);
    expect(await cycle()).toMatchObject({ analysed: 1 });
    const [now] = store.observations.forAsset(face.assetId);
    expect(now.id).not.toBe(face.id);
    expect(now).toMatchObject({ personId: obama.person.id, assignedBy: 'user' });

    await edit(app, `/api/history/${moved.undo}/undo`, {});
    expect(immich!.fake.face(immichFace)!.personId).toBe(kit.immichId);
    expect(store.observations.byIds([now.id], { vectors: false })[0].personId).toBe(kit.person.id);
    expect(store.immich.face(now.id)).toMatchObject({ immichFaceId: immichFace, immichPersonId: kit.immichId });
    await fixedPoint(cycle);
  });

  it('moves faces to a new named person: created in Immich with them; the undo deletes it', async () => {
    const { app, store, personOf, cycle } = await written();
    const obama = personOf('obama');
    const faces = store.observations
      .ofPerson(obama.person.id)
      .filter((o) => store.immich.face(o.id))
      .slice(0, 2);
    const moved = await edit(app, '/api/faces/move', { faces: faces.map((f) => f.id), to: null, name: 'Michelle' });
    const created = immich!.fake.personByName('Michelle')!;
    expect(created).toBeDefined();
    expect(store.immich.person(moved.person!)!.immichId).toBe(created.id);
    expect(
      immich!.fake
        .facesOfPerson(created.id)
        .map((f) => f.id)
        .sort(),
    ).toEqual(faces.map((f) => store.immich.face(f.id)!.immichFaceId).sort());
    await fixedPoint(cycle);
    expect(store.people.get(moved.person!)!.name).toBe('Michelle');

    await edit(app, `/api/history/${moved.undo}/undo`, {});
    expect(immich!.fake.person(created.id)).toBeUndefined();
    expect(immich!.fake.facesOfPerson(obama.immichId).length).toBe(obama.person.observations);
    expect(store.people.get(moved.person!)).toBeUndefined();
    await fixedPoint(cycle);
  });

  it('takes a face off its person ("not this person") by deleting it in Immich; the undo makes it again', async () => {
    const { app, store, personOf, cycle } = await written();
    const obama = personOf('obama');
    const face = store.observations.ofPerson(obama.person.id).find((o) => store.immich.face(o.id))!;
    const immichFace = store.immich.face(face.id)!.immichFaceId;
    const removed = await edit(app, '/api/faces/remove', { faces: [face.id] });
    expect(removed.note).toBe('1 face removed in Immich too');
    expect(immich!.fake.face(immichFace)!.deletedAt).not.toBeNull();
    expect(store.observations.byIds([face.id], { vectors: false })[0].personId).toBeNull();
    await fixedPoint(cycle);
    expect(store.observations.byIds([face.id], { vectors: false })[0].personId).toBeNull();

    const undone = await edit(app, `/api/history/${removed.undo}/undo`, {});
    expect(undone.note).toBe('1 face made again in Immich');
    const again = store.immich.face(face.id)!;
    expect(again.immichFaceId).not.toBe(immichFace);
    expect(immich!.fake.face(again.immichFaceId)!.personId).toBe(obama.immichId);
    expect(store.observations.byIds([face.id], { vectors: false })[0].personId).toBe(obama.person.id);
    await fixedPoint(cycle);
  });

  it('marks a face "not a face": deleted in Immich too, and kept out by the next cycles', async () => {
    const { app, store, personOf, cycle } = await written();
    const kit = personOf('kit_harington');
    const face = store.observations.ofPerson(kit.person.id).find((o) => store.immich.face(o.id))!;
    const immichFace = store.immich.face(face.id)!.immichFaceId;
    await edit(app, '/api/faces/dismiss', { faces: [face.id] });
    expect(immich!.fake.face(immichFace)!.deletedAt).not.toBeNull();
    expect(store.observations.byIds([face.id], { vectors: false })[0]).toMatchObject({
      personId: null,
      dismissed: true,
    });
    await fixedPoint(cycle);
    expect(store.observations.byIds([face.id], { vectors: false })[0]).toMatchObject({
      personId: null,
      dismissed: true,
    });
  });

  it('with a key lacking face.delete, takes a face off here and says Immich kept it', async () => {
    const { app, store, personOf, cycle } = await written();
    immich!.fake.revoke(Permission.FaceDelete);
    const obama = personOf('obama');
    const face = store.observations.ofPerson(obama.person.id).find((o) => store.immich.face(o.id))!;
    const immichFace = store.immich.face(face.id)!.immichFaceId;
    const removed = await edit(app, '/api/faces/remove', { faces: [face.id] });
    expect(removed.note).toBe(
      'Immich kept the faces: delete face: Immich answered 403: Missing required permission: face.delete',
    );
    expect(immich!.fake.face(immichFace)).toMatchObject({ personId: obama.immichId, deletedAt: null });
    expect(store.observations.byIds([face.id], { vectors: false })[0].personId).toBeNull();
    await fixedPoint(cycle);
    expect(store.observations.byIds([face.id], { vectors: false })[0].personId).toBeNull();
  });

  it('keeps Immich’s own message when it refuses, and changes nothing', async () => {
    const { app, store, personOf } = await written();
    const [obama, kit] = [personOf('obama'), personOf('kit_harington')];
    await edit(app, `/api/people/${obama.person.id}/name`, { name: 'Barack' });
    await edit(app, `/api/people/${kit.person.id}/name`, { name: 'Kit' });
    immich!.fake.clearRequests();
    const refused = await app.request(post(`/api/people/${obama.person.id}/merge`, { from: kit.person.id }));
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toBe(
      'Immich refused the merge: validation (Would override a name or birth date); give both the same name first, ' +
        'or clear one of them',
    );
    expect(store.people.get(kit.person.id)?.name).toBe('Kit');
    expect(immich!.fake.person(kit.immichId)?.name).toBe('Kit');
  });

  it('refuses to undo here what came from Immich, which would leave Immich telling the opposite', async () => {
    const { app, store, personOf, cycle } = await written();
    const { person, immichId } = personOf('obama');
    immich!.fake.renamePerson(immichId, 'Obama');
    expect((await cycle()).userChanges).toMatchObject({ renamed: 1 });
    const [readBack] = store.history.list({ limit: 5 }).filter((e) => e.kind === 'name');
    const refused = await app.request(post(`/api/history/${readBack.id}/undo`, {}));
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /was not made on this page against Immich .*change it in Immich \(http:\/\/immich\.test\/people\)/,
    );
    expect(store.people.get(person.id)!.name).toBe('Obama');
  });
});

function sourceIdOf(store: Store, assetId: number): string {
  return store.assets.byId(assetId)!.sourceId;
}
