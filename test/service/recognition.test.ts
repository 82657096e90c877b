import { describe, expect, it } from 'vitest';
import { PeopleService } from '../../src/service/people.js';
import { OFF_THREAD_ATTEMPTS, RecognitionService, type ComputedRun } from '../../src/service/recognition.js';
import { Store } from '../../src/store/store.js';
import { fillOnePerson, nudgedFace as face } from '../helpers/one-person-library.js';

/** One person's six faces in a store in memory (one-person-library.ts). */
function library(): { store: Store; ids: number[] } {
  const store = Store.open(':memory:');
  return { store, ids: fillOnePerson(store) };
}

describe('RecognitionService', () => {
  it('groups one person’s faces into one gallery person', () => {
    const { store } = library();
    const summary = new RecognitionService(store, { faceModel: 'm', indexPath: null }).recluster();
    expect(summary.people).toBe(1);
    expect(summary.assigned).toBe(6);
  });

  it('never merges two people the user named differently, whatever their faces say', () => {
    const { store, ids } = library();
    const a = store.people.create({ name: 'Anna' });
    const b = store.people.create({ name: 'Berta' });
    // the user confirmed two faces of each; the third of each is the machine's to place
    store.observations.assign([
      { id: ids[0], personId: a, assignedBy: 'user' },
      { id: ids[1], personId: a, assignedBy: 'user' },
      { id: ids[3], personId: b, assignedBy: 'user' },
      { id: ids[4], personId: b, assignedBy: 'user' },
    ]);
    new RecognitionService(store, { faceModel: 'm', indexPath: null }).recluster();
    const people = store.people.list();
    expect(people.map((p) => [p.name, p.observations]).sort()).toEqual([
      ['Anna', 3],
      ['Berta', 3],
    ]);
  });

  it('assigns new faces through the exemplar table when the gallery is large, and removes the HNSW caches of earlier versions', async () => {
    const { existsSync, mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { store } = library();
    const indexPath = join(mkdtempSync(join(tmpdir(), 'exemplars-')), 'people.db');
    const legacy = [`${indexPath}.faces.hnsw`, `${indexPath}.exemplars.hnsw.json`];
    for (const path of legacy) writeFileSync(path, 'old cache');
    const service = new RecognitionService(store, { faceModel: 'm', indexPath, exemplarIndexAbove: 0 });
    service.recluster();
    const asset = store.assets.upsert({
      source: 'folder',
      sourceId: 'new.jpg',
      contentHash: 'n',
      capturedAt: 9e9,
      latitude: null,
      longitude: null,
    });
    const [id] = store.observations.replaceForAsset(asset.id, [face([1, 0.2, 0, 0, 0, 0, 0, 0], 0.02, 3)]);
    service.assignNew();
    expect(store.observations.byIds([id], { vectors: false })[0].personId).not.toBeNull();
    expect(legacy.filter((path) => existsSync(path))).toEqual([]);
  });

  it('records each run that changed something in the history, as the machine’s', () => {
    const { store } = library();
    const service = new RecognitionService(store, { faceModel: 'm', indexPath: null });
    service.recluster();
    service.recluster();
    const asset = store.assets.upsert({
      source: 'folder',
      sourceId: 'new.jpg',
      contentHash: 'n',
      capturedAt: 9e9,
      latitude: null,
      longitude: null,
    });
    store.observations.replaceForAsset(asset.id, [face([1, 0.2, 0, 0, 0, 0, 0, 0], 0.02, 3)]);
    service.assignNew();
    service.assignNew();
    expect(store.history.list().map((e) => [e.actor, e.kind, e.summary])).toEqual([
      ['machine', 'assign', 'assigned 1 new face'],
      ['machine', 'recluster', 're-clustered: 6 faces moved, 1 person created'],
    ]);
  });

  it('ignores vectors of another model', () => {
    const { store } = library();
    const summary = new RecognitionService(store, { faceModel: 'other', indexPath: null }).recluster();
    expect(summary.people).toBe(0);
  });

  describe('off the calling thread', () => {
    /** A service whose off-thread runner computes on this thread, counting its calls. */
    function computingHere(store: Store, persistStep?: number) {
      const runs = { calls: 0 };
      const offThread = (mode: 'full' | 'incremental'): Promise<ComputedRun> => {
        runs.calls++;
        return Promise.resolve(service.compute(mode));
      };
      const service: RecognitionService = new RecognitionService(store, {
        faceModel: 'm',
        indexPath: null,
        offThread,
        ...(persistStep !== undefined ? { persistStep } : {}),
      });
      return { service, runs };
    }

    it('writes what the runner computed, as a run on this thread would', async () => {
      const { store } = library();
      const here = library().store;
      const { service, runs } = computingHere(store);
      const summary = await service.runOffThread('full');
      expect(runs.calls).toBe(1);
      expect(summary).toEqual(new RecognitionService(here, { faceModel: 'm', indexPath: null }).recluster());
      expect(store.history.list().map((e) => e.summary)).toEqual(here.history.list().map((e) => e.summary));
    });

    /**
     * A clustered library and a runner that computes on this thread, then lets `edit` act as the user while the
     * result is on its way (attempt counts from 1).
     */
    function editedWhileComputing(edit: (attempt: number, ids: number[], people: PeopleService) => void) {
      const { store, ids } = library();
      const plain = new RecognitionService(store, { faceModel: 'm', indexPath: null });
      plain.recluster();
      const [person] = store.people.list();
      const runs = { calls: 0 };
      const offThread = (mode: 'full' | 'incremental') => {
        runs.calls++;
        const computed = plain.compute(mode);
        edit(runs.calls, ids, new PeopleService(store));
        return Promise.resolve(computed);
      };
      const service = new RecognitionService(store, { faceModel: 'm', indexPath: null, offThread });
      return { store, ids, person, runs, service };
    }

    it('throws a result away when the user edited meanwhile, so it cannot undo the edit', async () => {
      // the user takes a face off the person while the first run computes: that run still has it on the person
      const { store, ids, person, runs, service } = editedWhileComputing((attempt, ids, people) => {
        if (attempt === 1) people.split(ids[5]);
      });
      await service.runOffThread('full');
      expect(runs.calls).toBe(2);
      expect(store.observations.byIds([ids[5]], { vectors: false })[0].personId).not.toBe(person.id);
    });

    it('writes in steps, and stops writing once the user edits between two of them', async () => {
      const { store, ids } = library();
      const { service, runs } = computingHere(store, 1);
      const run = service.runOffThread('full');
      // lands after the first step: the user puts a face the run has not written yet on a person of their own, which
      // a later step of the stale result would have put back on the machine's person
      let zoe = '';
      setImmediate(() => {
        zoe = new PeopleService(store).move([ids[4]], null, 'Zoe');
      });
      await run;
      expect(runs.calls).toBe(2);
      const [moved] = store.observations.byIds([ids[4]], { vectors: false });
      expect([moved.personId, moved.assignedBy]).toEqual([zoe, 'user']);
      const others = store.observations.byIds([ids[0], ids[1], ids[2], ids[3], ids[5]], { vectors: false });
      // the faces like it follow the user's name, as they do in a run on this thread
      expect(others.map((o) => o.personId)).toEqual(new Array(5).fill(zoe));
    });

    it('a runner that fails writes nothing and says why', async () => {
      const { store } = library();
      const offThread = () => Promise.reject(new Error('recognition failed in its worker: out of memory'));
      const service = new RecognitionService(store, { faceModel: 'm', indexPath: null, offThread });
      await expect(service.runOffThread('full')).rejects.toThrow('out of memory');
      expect(store.people.list()).toEqual([]);
      expect(store.history.list()).toEqual([]);
    });

    it('runs on this thread when the user keeps editing through every attempt', async () => {
      const { store, ids, person, runs, service } = editedWhileComputing((attempt, ids, people) =>
        people.split(ids[attempt]),
      );
      await service.runOffThread('full');
      expect(runs.calls).toBe(OFF_THREAD_ATTEMPTS);
      const split = store.observations.byIds(ids.slice(1, 1 + OFF_THREAD_ATTEMPTS), { vectors: false });
      expect(split.map((o) => o.personId === person.id)).toEqual(split.map(() => false));
    });
  });
});
