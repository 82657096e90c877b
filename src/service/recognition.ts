import { groupMoments } from '../recognition/moments.js';
import {
  recognise,
  type RecognitionInput,
  type RecognitionOptions,
  type RecognitionPerson,
  type RecognitionResult,
  type SearchProviders,
} from '../recognition/recognise.js';
import type { StoredObservation } from '../store/observations.js';
import type { Store } from '../store/store.js';
import { removeLegacyCaches, VectorIndex } from '../store/vector-index.js';
import { knnTable } from './knn-tables.js';

export interface RecognitionSummary {
  people: number;
  assigned: number;
  unknown: number;
  suggestions: number;
  /** Observations whose person (or its origin) this run changed: 0 when the library was already at a fixed point. */
  changed: number;
}

export interface RecognitionServiceOptions {
  /** Only face vectors of this model take part; others wait for re-embedding. */
  faceModel: string;
  /**
   * The store's path, beside which earlier versions kept HNSW caches: they are removed on the first run (nothing reads
   * them now). null for a store in memory.
   */
  indexPath: string | null;
  /** Exemplar count above which assignment asks the exemplar table (default: recognition's EXEMPLAR_SEARCH_ABOVE). */
  exemplarIndexAbove?: number;
  /** Computes a run away from this thread (`runOffThread`); absent: runs compute here. */
  offThread?: OffThreadRunner;
  /** Assignments written per transaction by `runOffThread` (default PERSIST_STEP). */
  persistStep?: number;
}

/** One run's result, ready to be written: the history's line for it, and the newest edit its input had seen. */
export interface ComputedRun {
  mode: RecognitionOptions['mode'];
  result: RecognitionResult;
  line: { kind: 'recluster' | 'assign'; text: string } | null;
  seenEdit: number;
}

export type OffThreadRunner = (mode: RecognitionOptions['mode']) => Promise<ComputedRun>;

/** Off-thread results thrown away for the user's edits before the run is made on the calling thread. */
export const OFF_THREAD_ATTEMPTS = 2;
/**
 * Assignments an off-thread run writes per transaction before it yields: writing a first re-cluster's 50,000 changed
 * faces took 4.4 s on this 2-core machine (≈ 90 µs a face), so a step of 2,000 holds the event loop ≈ 0.2 s.
 */
export const PERSIST_STEP = 2000;

/** HNSW providers for the passes: cached beside the store for faces and exemplars, in memory for centroids. */
export function hnswSearch(faceModel: string, indexPath: string | null): SearchProviders {
  return {
    faces: (faces, include, ids) =>
      VectorIndex.open(indexPath && `${indexPath}.faces.hnsw`, faceModel, faces, include, ids).search,
    centroids: (centroids, include) =>
      VectorIndex.open(
        null,
        faceModel,
        centroids,
        include,
        Int32Array.from({ length: centroids.count }, (_, i) => i),
      ).search,
    exemplars: (atoms, ids) =>
      VectorIndex.open(
        indexPath && `${indexPath}.exemplars.hnsw`,
        faceModel,
        atoms,
        new Uint8Array(atoms.count).fill(1),
        ids,
      ).search,
  };
}

/**
 * The app's providers: every neighbour question of recognition is a k-nearest table computed off this thread
 * (knn-tables.ts: IVF with onnxruntime's block product, no second copy of the vectors): pass 1 over the faces, pass 2
 * over the centroids, absorption's unplaced faces against the people's faces, and assignment's against the gallery's
 * exemplars.
 */
export function recognitionSearch(): SearchProviders {
  return { table: (matrix, include, k, queries) => knnTable(matrix, include, k, {}, queries) };
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The history's line for a run that changed something (null when it changed nothing): how many faces changed
 * person, and how many people it made and removed. Machine runs are not undone; the next run decides again.
 */
export function describeRun(
  result: RecognitionResult,
  mode: RecognitionOptions['mode'],
  stored: readonly StoredObservation[],
): { kind: 'recluster' | 'assign'; text: string } | null {
  const before = new Map(stored.map((s) => [s.id, s.personId]));
  const moved = result.assignments.filter((a) => before.get(a.id) !== a.personId).length;
  const created = result.people.filter((p) => p.created).length;
  const removed = result.removed.length;
  if (result.changed === 0 && created === 0 && removed === 0) return null;
  if (mode === 'incremental') return { kind: 'assign', text: `assigned ${count(moved, 'new face', 'new faces')}` };
  const parts = [
    `${count(moved, 'face', 'faces')} moved`,
    ...(created > 0 ? [`${count(created, 'person', 'people')} created`] : []),
    ...(removed > 0 ? [`${count(removed, 'person', 'people')} removed`] : []),
  ];
  const relabelled = result.changed - moved;
  if (relabelled > 0) parts.push(`${count(relabelled, 'face', 'faces')} placed anew on the same person`);
  return { kind: 'recluster', text: `re-clustered: ${parts.join(', ')}` };
}

/**
 * Loads what recognition needs from the store, runs the one pure `recognise` step, and writes its result back in
 * one transaction. It never decides anything itself.
 */
export class RecognitionService {
  private cachesChecked = false;

  constructor(
    private readonly store: Store,
    private readonly options: RecognitionServiceOptions,
  ) {}

  /**
   * The pure step's input. A photo is identified by its asset id (recognition only compares photos for equality).
   * Moments (time and place of every photo) matter only to pass 1, so an incremental run neither lists the assets
   * nor groups them.
   */
  private input(stored: StoredObservation[], mode: RecognitionOptions['mode']): RecognitionInput {
    const momentOf = new Map<number, number>();
    if (mode === 'full') {
      const assets = this.store.assets.list();
      const moments = groupMoments(
        assets.map((a) => ({ id: a.id, time: a.capturedAt ?? NaN, latitude: a.latitude, longitude: a.longitude })),
      );
      assets.forEach((a, i) => momentOf.set(a.id, moments.moment[i]));
    }
    const pairs = (kind: 'must-link' | 'cannot-link') =>
      this.store.constraints.list(kind).map((c) => [c.a, c.b] as const);
    return {
      observations: stored.map((s) => ({
        id: s.id,
        observation: s.observation,
        image: s.assetId,
        moment: momentOf.get(s.assetId) ?? -1,
        personId: s.personId,
        assignedBy: s.assignedBy,
      })),
      people: this.peopleForRecognition(),
      mustLink: pairs('must-link'),
      cannotLink: pairs('cannot-link'),
      rejected: this.store.suggestions.list('rejected').map((s) => [s.personA, s.personB] as const),
      dismissed: this.store.observations.dismissedFaceVectors(this.options.faceModel),
    };
  }

  /**
   * The store's people; those linked to a host's person (Immich) are held there until the host removes them. A
   * creation still in flight (no Immich id yet) holds nothing: its settling removes the person there if it is empty.
   */
  private peopleForRecognition(): RecognitionPerson[] {
    const linked = new Set(this.store.immich.people().flatMap((link) => (link.immichId ? [link.personId] : [])));
    return this.store.people.list().map((p) => ({ ...p, held: linked.has(p.id) }));
  }

  /**
   * Reads the input in one transaction (a consistent snapshot, even while another connection writes) and runs the
   * pure step; writes nothing. The recognition worker calls this on its own connection.
   */
  compute(mode: RecognitionOptions['mode']): ComputedRun {
    const { faceModel } = this.options;
    const { stored, input, seenEdit } = this.store.transaction(() => {
      const rows =
        mode === 'full'
          ? this.store.observations.forRecognition(faceModel)
          : this.store.observations.forAssignment(faceModel);
      return { stored: rows, input: this.input(rows, mode), seenEdit: this.store.history.latestId() };
    });
    const result = recognise(input, {
      mode,
      search: recognitionSearch(),
      ...(this.options.exemplarIndexAbove !== undefined
        ? { exemplarSearchAbove: this.options.exemplarIndexAbove }
        : {}),
    });
    // only what changes is written: a re-cluster lists every face, and at a fixed point nearly none of them moves
    const before = new Map(stored.map((s) => [s.id, s]));
    const assignments = result.assignments.filter((a) => {
      const s = before.get(a.id);
      return (
        !s ||
        s.personId !== a.personId ||
        s.assignedBy !== a.assignedBy ||
        (a.cluster !== undefined && a.cluster !== s.cluster)
      );
    });
    return { mode, result: { ...result, assignments }, line: describeRun(result, mode, stored), seenEdit };
  }

  /** `full`: both passes, the gallery, people and suggestions from scratch; `incremental`: assign new faces. */
  run(mode: RecognitionOptions['mode']): RecognitionSummary {
    this.removeLegacyCaches();
    const computed = this.compute(mode);
    this.persist(computed);
    return this.summary(computed.result.changed);
  }

  /**
   * The same run with the computing done off this thread when a runner is at hand (`offThread`), so that a long
   * re-cluster does not stall the review page or the status endpoint: the event loop stays free while the worker
   * reads its own snapshot and recognises. Its result is written here in steps of `PERSIST_STEP` assignments, one
   * transaction each, yielding to the event loop between them (a first re-cluster of 50,000 faces took 4.4 s to
   * write). Before each step the history is read: once the user has edited anything after the snapshot, a result
   * computed without that edit could undo it, so the rest is thrown away and the run starts again from what is
   * written. After `OFF_THREAD_ATTEMPTS` stale results the run is made here, where no edit can land in between.
   */
  async runOffThread(mode: RecognitionOptions['mode']): Promise<RecognitionSummary> {
    const runner = this.options.offThread;
    if (!runner) return this.run(mode);
    this.removeLegacyCaches();
    for (let attempt = 0; attempt < OFF_THREAD_ATTEMPTS; attempt++) {
      const computed = await runner(mode);
      if (await this.persistInSteps(computed)) return this.summary(computed.result.changed);
    }
    return this.run(mode);
  }

  /** `persist` in steps (see runOffThread); false when a user's edit made the rest stale. */
  private async persistInSteps(computed: ComputedRun): Promise<boolean> {
    const { result, line, seenEdit } = computed;
    const step = this.options.persistStep ?? PERSIST_STEP;
    const steps = Math.ceil(result.assignments.length / step);
    // people first (assignments point at them); exemplars, removals, suggestions and the history's line last
    for (let s = 0; s <= steps; s++) {
      if (this.store.history.userEditsAfter(seenEdit) > 0) return false;
      this.store.transaction(() => {
        if (s === 0) for (const p of result.people) if (p.created) this.store.people.create({ id: p.id });
        if (s < steps) this.store.observations.assign(result.assignments.slice(s * step, (s + 1) * step));
        else this.finish(result, line);
      });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return true;
  }

  recluster(): RecognitionSummary {
    return this.run('full');
  }

  assignNew(): RecognitionSummary {
    return this.run('incremental');
  }

  private removeLegacyCaches(): void {
    if (this.options.indexPath !== null && !this.cachesChecked) removeLegacyCaches(this.options.indexPath);
    this.cachesChecked = true;
  }

  private persist({ result, line }: ComputedRun): void {
    this.store.transaction(() => {
      for (const p of result.people) if (p.created) this.store.people.create({ id: p.id });
      this.store.observations.assign(result.assignments);
      this.finish(result, line);
    });
  }

  private finish(result: RecognitionResult, line: ComputedRun['line']): void {
    for (const p of result.people) this.store.people.setExemplars(p.id, p.exemplars);
    for (const id of result.removed) this.store.people.remove(id);
    if (result.suggestions) this.store.suggestions.replaceOpen(result.suggestions);
    if (line !== null) this.store.history.record({ actor: 'machine', kind: line.kind, summary: line.text });
  }

  summary(changed = 0): RecognitionSummary {
    const counts = this.store.observations.count();
    return {
      people: this.store.people.list().length,
      assigned: counts.assigned,
      unknown: counts.faces + counts.bodies - counts.assigned,
      suggestions: this.store.suggestions.list().length,
      changed,
    };
  }
}
