/** The evaluation's input and report types (the JSON shape is documented in service/evaluation.ts). */

import type { OpenSetScores, PrecisionRecall } from '../../recognition/metrics.js';

/** One face of one photo of a labelled folder. */
export interface LabelledFace {
  /** The photo's identity folder. */
  readonly identity: string;
  /** The photo's path inside its identity folder; the open-set split sorts by it. Unique within an identity. */
  readonly file: string;
  /** The face's index among the photo's faces (detection order); default 0. */
  readonly face?: number;
  /**
   * Whether this face carries the photo's label (default true): the largest face of a labelled photo. The other
   * faces of a photo (background people) are clustered by every method but not scored.
   */
  readonly labelled?: boolean;
  /** Face embedding (normalised again here). */
  readonly vector: Float32Array;
  /** The pipeline's quality verdict: clear faces may seed and join clusters. */
  readonly clear: boolean;
}

/** A labelled image that gave no labelled face (or failed to decode). */
export interface MissedImage {
  identity: string;
  file: string;
  reason: string;
}

export interface EvaluationOptions {
  /** Step of the first, coarse sweep over [0, 1] (default 0.05). */
  coarseStep?: number;
  /** Step of the second sweep, within one coarse step either side of the best coarse value (default 0.01). */
  fineStep?: number;
  /** Told how many seconds each stage took (similarity matrix, ours, each baseline's sweep, ...). */
  onTiming?: (stage: string, seconds: number) => void;
}

export interface VerificationReport {
  genuinePairs: number;
  impostorPairs: number;
  auc: number;
  tarAtFar: { targetFar: number; tar: number; far: number; threshold: number | null }[];
  bestAccuracy: { threshold: number | null; accuracy: number };
}

export type ClusteringMethod = 'ours' | 'immich' | 'ente' | 'hac';

export interface ClusteringRow {
  method: ClusteringMethod;
  setting: 'default' | 'oracle';
  /** Human-readable description of the method and its setting. */
  name: string;
  /** The swept parameter and its value (null for ours: all defaults). */
  parameter: { name: 'maxDistance' | 'minSimilarity'; value: number } | null;
  /** Oracle rows: the lowest and highest swept values that reach the same best BCubed F. */
  oracleRange: [number, number] | null;
  /** Scores over the labelled faces. */
  bcubed: PrecisionRecall;
  pairwise: PrecisionRecall;
  nmi: number;
  /** Predicted people over every face, background faces included (unassigned faces not counted). */
  clusters: number;
  /** Predicted people with exactly one face, over every face. */
  singletonClusters: number;
  /** Labelled faces the method left without a person (each scores as its own singleton). */
  unassigned: number;
  /** Background (unlabelled) faces the method left without a person. */
  unassignedBackground: number;
  /** Predicted people most of whose faces (more than half) are background faces: a lone bystander counts. */
  junkPeople: number;
  /** Of those, the people with two or more faces: a bystander (or a mix) made into someone to name. */
  junkPeopleOfTwoOrMore: number;
  identities: number;
  /** Predicted people holding labelled faces of two or more identities (false merges). */
  impureClusters: number;
  /** Ours only: pass 2's merge suggestions, judged against the labels (null for the baselines). */
  suggestions: SuggestionReport | null;
}

export interface SuggestionReport {
  total: number;
  /** Suggestions whose two people have the same majority identity. */
  correct: number;
  /** BCubed after a user accepts exactly the correct suggestions (a user-in-the-loop figure, not automatic). */
  bcubedIfCorrectAccepted: PrecisionRecall;
}

/** The person of one face under every method at its default setting (-1 = unassigned). */
export interface FaceLabels {
  identity: string;
  file: string;
  face: number;
  labelled: boolean;
  clear: boolean;
  ours: number;
  immich: number;
  ente: number;
  hac: number;
}

export type AssignMethod = 'sparse' | 'nearest';

export interface OpenSetQuery {
  identity: string;
  file: string;
  /** true when the identity is enrolled in the gallery. */
  known: boolean;
  clear: boolean;
  sparse: string | null;
  nearest: string | null;
}

export interface OpenSetReport {
  enrolledIdentities: string[];
  unseenIdentities: string[];
  enrolledFaces: number;
  methods: ({ method: AssignMethod; name: string } & OpenSetScores)[];
  queries: OpenSetQuery[];
}

/** An impostor distribution as calibration measured it (recognition/calibration.ts), and how many faces it saw. */
export interface CalibrationReport {
  /** The impostor mean and spread the thresholds were mapped through (the measurement pulled towards the reference). */
  mean: number;
  spread: number;
  /** The reference model's figures for the same estimate: on it, every threshold is its constant. */
  referenceMean: number;
  referenceSpread: number;
}

export interface EvaluationReport {
  dataset: {
    /** Identities with at least one labelled face. */
    identities: number;
    /** Labelled images: labelled faces + missed. */
    images: number;
    /** Labelled faces. */
    faces: number;
    /** Labelled faces the pipeline judged clear. */
    clearFaces: number;
    /** Unlabelled faces: background people, and every face of a photo of several named people. */
    backgroundFaces: number;
    missed: MissedImage[];
  };
  verification: VerificationReport | null;
  /**
   * The calibrations our recognition used: clustering from every clear face, assignment from the gallery's exemplars
   * (null when no face was left to assign).
   */
  calibration: { clustering: CalibrationReport | null; assignment: CalibrationReport | null };
  clustering: ClusteringRow[];
  openSet: OpenSetReport;
  /** Per face, in visiting order: the person each method (at its default) put it in. */
  faces: FaceLabels[];
}
