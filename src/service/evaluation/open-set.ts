/**
 * Open-set assignment on the labelled faces (background faces play no part), deterministic split: identities
 * sorted by name; every third one (index % 3 === 2) is held out entirely, as is any identity with a single face.
 * Of every other identity the first ceil(n/2) faces by file name are enrolled and the rest are queries.
 */

import { assignNearest } from '../../recognition/assign-nearest.js';
import { buildDictionary, buildGallery } from '../../recognition/gallery.js';
import { openSetScores } from '../../recognition/metrics.js';
import { recognise } from '../../recognition/recognise.js';
import { createMatrix, row } from '../../recognition/vectors.js';
import { hnswSearch } from '../recognition.js';
import { asObservations, EVAL_MODEL } from './ours.js';
import { byCodePoint, type Prepared } from './prepare.js';
import type { OpenSetQuery, OpenSetReport } from './types.js';

/** The labelled faces alone, each its own photo. */
function labelledOnly(p: Prepared): Omit<Prepared, 'image' | 'labelled'> {
  const idx = p.labelled;
  const matrix = createMatrix(idx.length, p.matrix.dim);
  idx.forEach((i, k) => matrix.data.set(row(p.matrix, i), k * p.matrix.dim));
  return {
    faces: Array.from(idx, (i) => p.faces[i]),
    matrix,
    clear: Uint8Array.from(idx, (i) => p.clear[i]),
    truth: Int32Array.from(idx, (i) => p.truth[i]),
    identities: p.identities,
  };
}

/** The deterministic open-set split and both assignment methods over the gallery of enrolled faces. */
export function openSet(all: Prepared): OpenSetReport {
  const { faces, matrix, clear, identities, truth } = labelledOnly(all);
  const members: number[][] = identities.map(() => []);
  faces.forEach((_, i) => members[truth[i]].push(i));
  for (const m of members) m.sort((a, b) => byCodePoint(faces[a].file, faces[b].file));

  const enrolledIdentities: string[] = [];
  const unseenIdentities: string[] = [];
  const galleryOf = new Int32Array(identities.length).fill(-1);
  const labels = new Int32Array(faces.length).fill(-1);
  const queries: number[] = [];
  identities.forEach((name, id) => {
    const m = members[id];
    if (id % 3 === 2 || m.length < 2) {
      unseenIdentities.push(name);
      queries.push(...m);
      return;
    }
    galleryOf[id] = enrolledIdentities.length;
    enrolledIdentities.push(name);
    const enrol = Math.ceil(m.length / 2);
    for (let k = 0; k < m.length; k++) {
      if (k < enrol) labels[m[k]] = galleryOf[id];
      else queries.push(m[k]);
    }
  });
  queries.sort((a, b) => truth[a] - truth[b] || byCodePoint(faces[a].file, faces[b].file));

  const named = enrolledIdentities.map((_, g) => g);
  const gallery = buildGallery({ faces: matrix, clearFace: clear, labels }, { named });
  const dictionary = buildDictionary(matrix, gallery);
  // sparse coding as the app assigns new faces: recognise() in incremental mode over the enrolled people
  const observations = asObservations(matrix, clear).map((o, i) =>
    labels[i] >= 0 ? { ...o, personId: `e${labels[i]}`, assignedBy: 'user' as const } : o,
  );
  const assigned = recognise(
    {
      observations,
      people: gallery.map((g) => ({
        id: `e${g.label}`,
        name: enrolledIdentities[g.label],
        exemplars: [...g.exemplars],
      })),
      mustLink: [],
      cannotLink: [],
      rejected: [],
    },
    { mode: 'incremental', search: hnswSearch(EVAL_MODEL, null) },
  );
  const sparseOf = new Map(assigned.assignments.map((a) => [a.id, Number(a.personId!.slice(1))]));

  const truthOfQuery = Int32Array.from(queries, (i) => galleryOf[truth[i]]);
  const sparse = new Int32Array(queries.length).fill(-1);
  const nearest = new Int32Array(queries.length).fill(-1);
  const detail: OpenSetQuery[] = queries.map((i, q) => {
    if (clear[i] && dictionary.atoms.count > 0) {
      const query = row(matrix, i);
      const e = assignNearest(query, dictionary).identity;
      // dictionary identity = index into `gallery`, whose label is the enrolled-identity index
      sparse[q] = sparseOf.get(i) ?? -1;
      if (e !== null) nearest[q] = gallery[e].label;
    }
    return {
      identity: faces[i].identity,
      file: faces[i].file,
      known: truthOfQuery[q] >= 0,
      clear: clear[i] === 1,
      sparse: sparse[q] >= 0 ? enrolledIdentities[sparse[q]] : null,
      nearest: nearest[q] >= 0 ? enrolledIdentities[nearest[q]] : null,
    };
  });
  let enrolledFaces = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) enrolledFaces++;
  return {
    enrolledIdentities,
    unseenIdentities,
    enrolledFaces,
    methods: [
      {
        method: 'sparse',
        name: 'sparse coding (the app: recognise, incremental)',
        ...openSetScores(sparse, truthOfQuery),
      },
      { method: 'nearest', name: 'nearest exemplar (assignNearest)', ...openSetScores(nearest, truthOfQuery) },
    ],
    queries: detail,
  };
}
