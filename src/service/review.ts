import { hacAverage } from '../recognition/baselines/hac-average.js';
import {
  explainFace,
  explainResemblance,
  explainWithIndex,
  indexGallery,
  type Explanation,
  type ExemplarVectors,
  type GalleryIndex,
  type Resemblance,
} from '../recognition/explain.js';
import { matrixFromRows } from '../recognition/vectors.js';
import type { FaceSummary, PersonSummary, ReviewQueries } from '../store/review.js';
import type { SuggestionRow } from '../store/suggestions.js';
import type { Store } from '../store/store.js';

export type { FaceSummary, PersonSummary };

/** A face's own vectors, as the store reads them. */
type FaceVectors = ReturnType<ReviewQueries['vectors']>;

export interface ReviewedFace extends FaceSummary {
  explanation: Explanation | null;
}

export interface PersonView {
  person: PersonSummary;
  total: number;
  faces: ReviewedFace[];
}

export interface UnknownGroup {
  /** The group's faces, clearest first. */
  faces: FaceSummary[];
}

export interface UnknownView {
  /** Every face no person holds (not dismissed), the true count. */
  total: number;
  /** Likely people among them: groups of 2 or more first, largest first; then the faces that match nobody. */
  groups: UnknownGroup[];
  /** How many of the faces were grouped (the rest, past the cap, are listed ungrouped). */
  grouped: number;
}

export interface SuggestionView {
  suggestion: SuggestionRow;
  a: PersonSummary;
  b: PersonSummary;
}

export interface FaceView {
  face: FaceSummary;
  person: PersonSummary | null;
  asset: { id: number; source: string; sourceId: string; width: number | null; height: number | null };
  /** The other faces on the same photo. */
  others: FaceSummary[];
  explanation: Explanation | null;
  /**
   * For a face the clustering placed ('cluster'): its likeness to its person's clear faces against the people nearest
   * in the explanation, the evidence on which a full run absorbs a face (absorb.ts); null otherwise.
   */
  resemblance: Resemblance | null;
}

function summaryOf(face: FaceSummary & { model: unknown; vector: unknown }): FaceSummary {
  const { model: _model, vector: _vector, ...summary } = face;
  return summary;
}

/** One model's gallery as the page last loaded it, and the explanations made against it (valid while it stands). */
interface Gallery {
  key: string;
  exemplars: ExemplarVectors[];
  index: GalleryIndex;
  explained: Map<string, Explanation>;
}

/** Explanations kept per gallery: a few dozen pages of faces. */
const EXPLAINED_CACHE_ENTRIES = 20_000;

/**
 * Unknown faces grouped per request with average-linkage HAC, whose matrix is n² floats: 2,500 faces ≈ 25 MB and
 * about a second on this machine; past that the rest are listed one by one.
 */
const UNKNOWN_GROUPING_CAP = 2500;
/** Cut at cosine distance 0.6, models.md's suggested clustering level for our embedder (as the HAC baseline). */
const UNKNOWN_GROUP_MAX_DISTANCE = 0.6;

/**
 * What the review page shows: people, their faces with the evidence for each, unknown faces grouped into likely
 * people, suggestions. Read-only; edits go through PeopleService.
 */
export class ReviewService {
  private exemplarCache: Gallery | null = null;

  constructor(private readonly store: Store) {}

  people(options: { query?: string; hidden?: boolean } = {}): PersonSummary[] {
    const query = options.query?.trim().toLocaleLowerCase();
    return this.store.review
      .people()
      .filter((p) => (options.hidden ? p.hidden : !p.hidden))
      .filter((p) => !query || (p.name ?? '').toLocaleLowerCase().includes(query));
  }

  person(id: string, offset: number, limit: number): PersonView | undefined {
    const person = this.store.review.person(id);
    if (!person) return undefined;
    const page = this.store.review.facesOf(id, offset, limit);
    const vectors = this.store.review.vectorsOf(page.faces.map((f) => f.id));
    return {
      person,
      total: page.total,
      faces: page.faces.map((face) => {
        const v = vectors.get(face.id);
        if (!v?.face) return { ...face, explanation: null };
        const gallery = this.gallery(v.face.model);
        const key = `${face.id}:${face.personId}:${face.assignedBy}`;
        let explanation = gallery.explained.get(key);
        if (!explanation) {
          explanation = explainWithIndex(
            { face: v.face.vector, body: v.body, moment: face.moment, personId: face.personId },
            gallery.index,
            { userPlaced: face.assignedBy === 'user' },
          );
          if (gallery.explained.size >= EXPLAINED_CACHE_ENTRIES) gallery.explained.clear();
          gallery.explained.set(key, explanation);
        }
        return { ...face, explanation };
      }),
    };
  }

  face(id: number): FaceView | undefined {
    const face = this.store.review.face(id);
    if (!face) return undefined;
    const asset = this.store.assets.byId(face.assetId);
    if (!asset) return undefined;
    // one read of its vectors for the explanation and the resemblance
    const vectors = this.store.review.vectors(face.id);
    const explanation = this.explain(face, vectors, 8);
    return {
      face,
      person: face.personId ? (this.store.review.person(face.personId) ?? null) : null,
      asset: {
        id: asset.id,
        source: asset.source,
        sourceId: asset.sourceId,
        width: asset.width,
        height: asset.height,
      },
      others: this.store.review.facesOnAsset(face.assetId).filter((f) => f.id !== id),
      explanation,
      resemblance: this.resemblance(face, vectors.face, explanation),
    };
  }

  /** Absorption's evidence for a clustered face: its own person's clear faces against its nearest rivals'. */
  private resemblance(
    face: FaceSummary,
    vector: FaceVectors['face'],
    explanation: Explanation | null,
  ): Resemblance | null {
    if (face.assignedBy !== 'cluster' || face.personId === null || !explanation || !vector) return null;
    const rivals = [...new Set(explanation.nearest.map((e) => e.personId))].filter((p) => p !== face.personId);
    const [own, ...others] = this.store.review.personFaceVectors([face.personId, ...rivals], vector.model);
    return explainResemblance({ observationId: face.id, face: vector.vector }, own, others);
  }

  /**
   * Loads the galleries' exemplars and their index before the first page asks: a cold person page otherwise pays
   * for it (about 0.2 s for 5,000 exemplars on this 2-core machine).
   */
  prepare(): void {
    for (const model of this.store.review.exemplarModels()) this.gallery(model);
  }

  /** Every shown person's id and name, for choosing where faces go. */
  choices(): { id: string; name: string | null }[] {
    return this.store.review.names();
  }

  /** The navigation's counts, without listing anyone. */
  counts(): { people: number; unknown: number; suggestions: number } {
    return {
      people: this.store.review.peopleCount(),
      unknown: this.store.review.unknownCount(),
      suggestions: this.store.suggestions.list().length,
    };
  }

  unknownCount(): number {
    return this.store.review.unknownCount();
  }

  unknown(): UnknownView {
    const faces = this.store.review.unknownFaces();
    // group within the model most faces came from: two models' vectors are never compared
    const counts = new Map<string, number>();
    for (const f of faces) if (f.model && f.vector) counts.set(f.model, (counts.get(f.model) ?? 0) + 1);
    const model = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const groupable = faces.filter((f) => f.model === model && f.vector).slice(0, UNKNOWN_GROUPING_CAP);
    const labels =
      groupable.length > 1
        ? hacAverage(matrixFromRows(groupable.map((f) => f.vector!)), { maxDistance: UNKNOWN_GROUP_MAX_DISTANCE })
        : new Int32Array(groupable.length);
    const byLabel = new Map<number, FaceSummary[]>();
    groupable.forEach((f, i) => {
      const list = byLabel.get(labels[i]);
      if (list) list.push(summaryOf(f));
      else byLabel.set(labels[i], [summaryOf(f)]);
    });
    const grouped = new Set(groupable.map((f) => f.id));
    const lists = [...byLabel.values(), ...faces.filter((f) => !grouped.has(f.id)).map((f) => [summaryOf(f)])];
    // a stable sort: groups keep the order of their clearest face among equals
    const groups = lists.sort((a, b) => b.length - a.length).map((list) => ({ faces: list }));
    return { total: faces.length, groups, grouped: groupable.length };
  }

  suggestions(): SuggestionView[] {
    const people = new Map(this.store.review.people().map((p) => [p.id, p]));
    return this.store.suggestions.list().flatMap((suggestion) => {
      const a = people.get(suggestion.personA);
      const b = people.get(suggestion.personB);
      return a && b ? [{ suggestion, a, b }] : [];
    });
  }

  /** The evidence for a face: nearest exemplars of every person, in the face's own model only. */
  private explain(face: FaceSummary, vectors: FaceVectors, limit = 5): Explanation | null {
    if (!vectors.face) return null;
    return explainFace(
      { face: vectors.face.vector, body: vectors.body, moment: face.moment, personId: face.personId },
      this.gallery(vectors.face.model).exemplars,
      { limit, userPlaced: face.assignedBy === 'user' },
    );
  }

  /** Exemplar vectors of one model and their index, reloaded when the gallery changed (people or exemplars). */
  private gallery(model: string): Gallery {
    const key = `${model}:${this.store.review.galleryVersion()}`;
    if (this.exemplarCache?.key !== key) {
      const exemplars = this.store.review.exemplarVectors(model);
      this.exemplarCache = { key, exemplars, index: indexGallery(exemplars), explained: new Map() };
    }
    return this.exemplarCache;
  }
}
