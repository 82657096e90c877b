import { assignSparse } from '../recognition/assign-sparse.js';
import { clusterPass1 } from '../recognition/cluster-pass1.js';
import type { ObservationPair } from '../recognition/constraints.js';
import { buildDictionary, buildGallery } from '../recognition/gallery.js';
import { mergePass2 } from '../recognition/merge-pass2.js';
import { groupMoments } from '../recognition/moments.js';
import { observationSet, type ObservationSet } from '../recognition/observations.js';
import type { Assignment, StoredObservation } from '../store/observations.js';
import type { Store } from '../store/store.js';
import { VectorIndex } from '../store/vector-index.js';
import type { VectorMatrix } from '../recognition/vectors.js';
import type { Observation } from '../types.js';

/** Below this many exemplars, coding over all of them is exact and fast enough (~1 ms); above, HNSW picks candidates. */
export const EXEMPLAR_INDEX_ABOVE = 2048;

export interface RecognitionSummary {
  people: number;
  assigned: number;
  unknown: number;
  suggestions: number;
}

export interface RecognitionOptions {
  /** Only face vectors of this model take part; others wait for re-embedding. */
  faceModel: string;
  /** Where the HNSW caches live (beside the store); null keeps them in memory. */
  indexPath: string | null;
  /** Exemplar count above which assignment searches an HNSW index (default EXEMPLAR_INDEX_ABOVE). */
  exemplarIndexAbove?: number;
}

/** An observation as the passes see it: its face vector dropped when another model made it. */
function usable(stored: StoredObservation, faceModel: string): Observation {
  const { face, upperBody } = stored.observation;
  if (face && face.embedding?.model !== faceModel) return { upperBody, face: { ...face, embedding: undefined } };
  return stored.observation;
}

/**
 * Runs recognition over the store: the full two-pass re-cluster (deterministic for the same store) and the
 * incremental assignment of new observations to the gallery. It keeps what users did: names, user-confirmed
 * assignments (as must-links) and cannot-links.
 */
export class RecognitionService {
  constructor(
    private readonly store: Store,
    private readonly options: RecognitionOptions,
  ) {}

  private load(): { stored: StoredObservation[]; set: ObservationSet } {
    const stored = this.store.observations.all().filter((s) => {
      const face = s.observation.face;
      return face?.embedding?.model === this.options.faceModel || (!face && s.observation.upperBody?.embedding);
    });
    const assets = this.store.assets.list();
    const assetIndex = new Map(assets.map((a, i) => [a.id, i]));
    const moments = groupMoments(
      assets.map((a) => ({ id: a.id, time: a.capturedAt ?? NaN, latitude: a.latitude, longitude: a.longitude })),
    );
    const set = observationSet(
      stored.map((s) => {
        const image = assetIndex.get(s.assetId) ?? -1;
        return {
          observation: usable(s, this.options.faceModel),
          image,
          moment: image >= 0 ? moments.moment[image] : -1,
        };
      }),
    );
    return { stored, set };
  }

  private constraints(stored: StoredObservation[]): { mustLink: ObservationPair[]; cannotLink: ObservationPair[] } {
    const index = new Map(stored.map((s, i) => [s.id, i]));
    const pairs = (kind: 'must-link' | 'cannot-link') =>
      this.store.constraints
        .list(kind)
        .filter((c) => index.has(c.a) && index.has(c.b))
        .map((c) => [index.get(c.a)!, index.get(c.b)!] as const);
    const mustLink: ObservationPair[] = pairs('must-link');
    // observations a user put on the same person belong together
    const firstOfPerson = new Map<string, number>();
    stored.forEach((s, i) => {
      if (s.assignedBy !== 'user' || !s.personId) return;
      const first = firstOfPerson.get(s.personId);
      if (first === undefined) firstOfPerson.set(s.personId, i);
      else mustLink.push([first, i]);
    });
    // two people the user named differently are two people: one anchor each, kept apart
    const cannotLink: ObservationPair[] = pairs('cannot-link');
    const named = new Set(
      this.store.people
        .list()
        .filter((p) => p.name !== null)
        .map((p) => p.id),
    );
    const anchors = new Map<string, number>();
    stored.forEach((s, i) => {
      if (s.personId && named.has(s.personId) && s.assignedBy === 'user' && !anchors.has(s.personId))
        anchors.set(s.personId, i);
    });
    for (const p of this.store.people.list()) {
      if (!named.has(p.id) || anchors.has(p.id)) continue;
      const exemplar = p.exemplars.map((id) => index.get(id)).find((i) => i !== undefined);
      if (exemplar !== undefined) anchors.set(p.id, exemplar);
    }
    const list = [...anchors.values()];
    for (let a = 0; a < list.length; a++) for (let b = a + 1; b < list.length; b++) cannotLink.push([list[a], list[b]]);
    return { mustLink, cannotLink };
  }

  /** Both passes, the gallery, people and suggestions, from scratch. */
  recluster(): RecognitionSummary {
    const { stored, set } = this.load();
    const { mustLink, cannotLink } = this.constraints(stored);
    const faceIndex = set.count
      ? VectorIndex.open(
          this.options.indexPath && `${this.options.indexPath}.faces.hnsw`,
          this.options.faceModel,
          set.faces,
          set.clearFace,
          stored.map((s) => s.id),
        )
      : null;
    const pass1 = clusterPass1(set, { mustLink, cannotLink, ...(faceIndex ? { faceSearch: faceIndex.search } : {}) });
    // pass 2 finds candidate cluster pairs through an HNSW index over centroids, not all C² pairs
    const centroidSearch = (centroids: VectorMatrix, include: Uint8Array) =>
      VectorIndex.open(
        null,
        this.options.faceModel,
        centroids,
        include,
        Int32Array.from({ length: centroids.count }, (_, i) => i),
      ).search;
    const pass2 = mergePass2(
      { faces: set.faces, clearFace: set.clearFace, image: set.image, labels: pass1.labels },
      { cannotLink, centroidSearch },
    );
    const labels = pass2.labels;

    // which final cluster each existing person's observations went to
    const people = this.store.people.list();
    const overlap = new Map<string, Map<number, number>>();
    stored.forEach((s, i) => {
      if (!s.personId || labels[i] < 0) return;
      const counts = overlap.get(s.personId) ?? new Map<number, number>();
      counts.set(labels[i], (counts.get(labels[i]) ?? 0) + (s.assignedBy === 'user' ? 1000 : 1));
      overlap.set(s.personId, counts);
    });
    const named = people.filter((p) => p.name !== null);
    const namedLabels = new Set<number>();
    for (const p of named) {
      const best = [...(overlap.get(p.id) ?? new Map<number, number>()).entries()].sort(
        (a, b) => b[1] - a[1] || a[0] - b[0],
      )[0];
      if (best) namedLabels.add(best[0]);
    }
    const gallery = buildGallery({ faces: set.faces, clearFace: set.clearFace, labels }, { named: namedLabels });

    // map gallery clusters to existing people: named first, then by overlap; the rest get new ids
    const candidates: { person: string; label: number; weight: number; named: boolean }[] = [];
    for (const p of people) {
      for (const [label, weight] of overlap.get(p.id) ?? [])
        candidates.push({ person: p.id, label, weight, named: p.name !== null });
    }
    candidates.sort(
      (a, b) =>
        Number(b.named) - Number(a.named) || b.weight - a.weight || a.label - b.label || (a.person < b.person ? -1 : 1),
    );
    const inGallery = new Set(gallery.map((g) => g.label));
    const personOfLabel = new Map<number, string>();
    const taken = new Set<string>();
    for (const c of candidates) {
      if (!inGallery.has(c.label) || personOfLabel.has(c.label) || taken.has(c.person)) continue;
      personOfLabel.set(c.label, c.person);
      taken.add(c.person);
    }
    const firstObservation = new Map<number, number>();
    stored.forEach((s, i) => {
      if (labels[i] >= 0 && !firstObservation.has(labels[i])) firstObservation.set(labels[i], s.id);
    });
    const existingIds = new Set(people.map((p) => p.id));

    const assignments: Assignment[] = [];
    this.store.transaction(() => {
      for (const g of gallery) {
        if (personOfLabel.has(g.label)) continue;
        let id = `p${firstObservation.get(g.label)}`;
        while (existingIds.has(id)) id = `${id}x`;
        this.store.people.create({ id });
        existingIds.add(id);
        personOfLabel.set(g.label, id);
      }
      stored.forEach((s, i) => {
        if (s.assignedBy === 'user') return; // the user's word stands
        const person = labels[i] >= 0 ? (personOfLabel.get(labels[i]) ?? null) : null;
        assignments.push({ id: s.id, personId: person, assignedBy: person ? 'cluster' : null, cluster: labels[i] });
      });
      this.store.observations.assign(assignments);
      for (const g of gallery) {
        this.store.people.setExemplars(
          personOfLabel.get(g.label)!,
          Array.from(g.exemplars, (i) => stored[i].id),
        );
      }
      // machine-made people that lost every observation go; named people and user-confirmed ones stay
      const confirmed = new Set(stored.filter((s) => s.assignedBy === 'user').map((s) => s.personId));
      for (const p of people) {
        if (!taken.has(p.id) && p.name === null && !confirmed.has(p.id)) this.store.people.remove(p.id);
      }
      this.store.suggestions.replaceOpen(
        pass2.suggestions
          .filter((s) => personOfLabel.has(s.a) && personOfLabel.has(s.b))
          .map((s) => ({ personA: personOfLabel.get(s.a)!, personB: personOfLabel.get(s.b)!, score: s.score }))
          .filter((s) => !this.rejected(s.personA, s.personB)),
      );
    });
    return this.summary();
  }

  private rejected(a: string, b: string): boolean {
    return this.store.suggestions
      .list('rejected')
      .some((s) => (s.personA === a && s.personB === b) || (s.personA === b && s.personB === a));
  }

  /** Sparse-codes every unassigned clear face over the gallery's exemplars; weak evidence stays unknown. */
  assignNew(): RecognitionSummary {
    const people = this.store.people.list().filter((p) => p.exemplars.length > 0);
    const pending = this.store.observations
      .unassigned()
      .filter(
        (s) => s.observation.face?.quality.clear && s.observation.face.embedding?.model === this.options.faceModel,
      );
    if (people.length === 0 || pending.length === 0) return this.summary();
    const exemplarRows = people.map((p) => this.store.observations.byIds(p.exemplars));
    const flat = exemplarRows.flat();
    const { faces } = observationSet(
      flat.map((s) => ({ observation: usable(s, this.options.faceModel), image: -1, moment: -1 })),
    );
    let offset = 0;
    const dictionary = buildDictionary(
      faces,
      exemplarRows.map((rows) => {
        const exemplars = rows.map((_, k) => offset + k);
        offset += rows.length;
        return { exemplars };
      }),
    );
    // a large gallery codes each face over its nearest atoms from the HNSW cache instead of every atom
    const search =
      dictionary.atoms.count > (this.options.exemplarIndexAbove ?? EXEMPLAR_INDEX_ABOVE)
        ? VectorIndex.open(
            this.options.indexPath && `${this.options.indexPath}.exemplars.hnsw`,
            this.options.faceModel,
            dictionary.atoms,
            new Uint8Array(dictionary.atoms.count).fill(1),
            flat.map((s) => s.id),
          ).search
        : undefined;
    const assignments: Assignment[] = [];
    for (const s of pending) {
      const result = assignSparse(s.observation.face!.embedding!.vector, dictionary, search ? { search } : {});
      if (result.identity !== null)
        assignments.push({ id: s.id, personId: people[result.identity].id, assignedBy: 'assign' });
    }
    this.store.observations.assign(assignments);
    return this.summary();
  }

  summary(): RecognitionSummary {
    const counts = this.store.observations.count();
    return {
      people: this.store.people.list().length,
      assigned: counts.assigned,
      unknown: counts.faces + counts.bodies - counts.assigned,
      suggestions: this.store.suggestions.list().length,
    };
  }
}
