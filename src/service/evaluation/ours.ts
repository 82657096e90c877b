/** Our people as the app makes them, and pass 2's merge suggestions judged against the labels. */

import type { MergeSuggestion } from '../../recognition/merge-pass2.js';
import { clusteringScores } from '../../recognition/metrics.js';
import { vectorObservation } from '../../recognition/observations.js';
import type { Calibration } from '../../recognition/calibration.js';
import { recognise, type RecognitionObservation } from '../../recognition/recognise.js';
import { row, type VectorMatrix } from '../../recognition/vectors.js';
import { recognitionSearch } from '../recognition.js';
import { pick, type Prepared } from './prepare.js';
import type { CalibrationReport, SuggestionReport } from './types.js';

/** The id the eval's vectors are tagged with (one model per run; the HNSW providers check it). */
export const EVAL_MODEL = 'eval';

/** Each face as the app's recognition sees it: on its photo, no body, no moment, nobody assigned yet. */
export function asObservations(matrix: VectorMatrix, clear: Uint8Array, image?: Int32Array): RecognitionObservation[] {
  return Array.from({ length: matrix.count }, (_, i) => ({
    id: i,
    image: image ? image[i] : i,
    moment: -1,
    personId: null,
    assignedBy: null,
    observation: vectorObservation(EVAL_MODEL, row(matrix, i), clear[i] === 1),
  }));
}

/**
 * The app's own `recognise()` in full mode (pass 1, pass 2, gallery, then assignment of what the clusters left
 * unknown) with the app's HNSW providers, on every face of every photo (a person at most once per photo, as in
 * the app). A face no gallery person holds is unassigned. Suggestions are between people, as the app shows them.
 */
export function ourClustering(p: Prepared): {
  labels: Int32Array;
  suggestions: MergeSuggestion[];
  calibration: { clustering: CalibrationReport | null; assignment: CalibrationReport | null };
} {
  const calibration: { clustering: CalibrationReport | null; assignment: CalibrationReport | null } = {
    clustering: null,
    assignment: null,
  };
  const result = recognise(
    {
      observations: asObservations(p.matrix, p.clear, p.image),
      people: [],
      mustLink: [],
      cannotLink: [],
      rejected: [],
    },
    {
      mode: 'full',
      search: recognitionSearch(),
      onCalibration: (use, c) => (calibration[use] = c && calibrationReport(c)),
    },
  );
  const labelOf = new Map(result.people.map((person, k) => [person.id, k]));
  const labels = new Int32Array(p.matrix.count).fill(-1);
  for (const a of result.assignments) if (a.personId !== null) labels[a.id] = labelOf.get(a.personId)!;
  const suggestions = (result.suggestions ?? []).map((s) => {
    const [a, b] = [labelOf.get(s.personA)!, labelOf.get(s.personB)!].sort((x, y) => x - y);
    return { a, b, score: s.score };
  });
  return { labels, suggestions, calibration };
}

function calibrationReport(c: Calibration): CalibrationReport {
  return {
    mean: c.impostors.mean,
    spread: c.impostors.spread,
    referenceMean: c.reference.mean,
    referenceSpread: c.reference.spread,
  };
}

/** The identity most labelled faces of each predicted person have (ties: lower identity index). */
function majorityIdentity(predicted: Int32Array, truth: Int32Array): Map<number, number> {
  const counts = new Map<number, Map<number, number>>();
  for (let i = 0; i < predicted.length; i++) {
    if (predicted[i] < 0 || truth[i] < 0) continue;
    const c = counts.get(predicted[i]) ?? new Map<number, number>();
    c.set(truth[i], (c.get(truth[i]) ?? 0) + 1);
    counts.set(predicted[i], c);
  }
  const out = new Map<number, number>();
  for (const [label, c] of counts) {
    const best = [...c.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    out.set(label, best[0]);
  }
  return out;
}

/**
 * Pass 2's merge suggestions judged against the labels (right: both people have the same majority identity; a
 * person with no labelled face has none), and the BCubed of the labelled faces after accepting the right ones.
 */
export function suggestionReport(
  labels: Int32Array,
  suggestions: readonly MergeSuggestion[],
  p: Prepared,
): SuggestionReport {
  const majority = majorityIdentity(labels, p.truth);
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r)) r = parent.get(r)!;
    return r;
  };
  let correct = 0;
  for (const s of suggestions) {
    const ma = majority.get(s.a);
    if (ma === undefined || ma !== majority.get(s.b)) continue;
    correct++;
    const ra = find(s.a);
    const rb = find(s.b);
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  const accepted = labels.map((l) => (l < 0 ? l : find(l)));
  return {
    total: suggestions.length,
    correct,
    bcubedIfCorrectAccepted: clusteringScores(pick(accepted, p.labelled), pick(p.truth, p.labelled)).bcubed,
  };
}
