import { describe, expect, it } from 'vitest';
import { ENTE_MIN_SIMILARITY } from '../../src/recognition/baselines/ente-greedy.js';
import { HAC_AVERAGE_MAX_DISTANCE } from '../../src/recognition/baselines/hac-average.js';
import { IMMICH_MAX_DISTANCE } from '../../src/recognition/baselines/immich-dbscan.js';
import { REFERENCE_LIBRARY_IMPOSTORS } from '../../src/recognition/calibration.js';
import {
  evaluate,
  formatReport,
  type ClusteringRow,
  type EvaluationReport,
  type LabelledFace,
} from '../../src/service/evaluation.js';
import { mulberry32 as prng } from '../helpers/random.js';

function normal(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  return v.map((x) => x / Math.sqrt(s));
}

/** center + noise of expected norm sigma, normalised. */
function noisy(center: Float32Array, sigma: number, gauss: () => number): Float32Array {
  return unit(center.map((c) => c + (sigma * gauss()) / Math.sqrt(center.length)));
}

const name = (k: number) => `id${String(k).padStart(2, '0')}`;

/**
 * `identities` × `perIdentity` faces in `dim` dimensions. Centers are basis vectors (orthogonal, perfectly
 * separable for a small sigma) or random unit vectors.
 */
function synthetic(options: {
  identities?: number;
  perIdentity?: number;
  dim?: number;
  sigma?: number;
  seed?: number;
  centers?: 'basis' | 'random';
}): LabelledFace[] {
  const { identities = 10, perIdentity = 6, dim = 32, sigma = 0.1, seed = 1, centers = 'basis' } = options;
  const gauss = normal(prng(seed));
  const faces: LabelledFace[] = [];
  for (let k = 0; k < identities; k++) {
    const center = new Float32Array(dim);
    if (centers === 'basis') center[k] = 1;
    else for (let t = 0; t < dim; t++) center[t] = gauss();
    const c = unit(center);
    for (let m = 0; m < perIdentity; m++) {
      faces.push({ identity: name(k), file: `${name(k)}_${m + 1}.jpg`, vector: noisy(c, sigma, gauss), clear: true });
    }
  }
  return faces;
}

const row = (report: EvaluationReport, method: ClusteringRow['method'], setting: ClusteringRow['setting']) =>
  report.clustering.find((r) => r.method === method && r.setting === setting)!;

describe('evaluation harness', () => {
  it('scores perfectly separated identities as perfect, for us and every baseline', () => {
    const report = evaluate(synthetic({}), [], { coarseStep: 0.05 });
    expect(report.dataset).toEqual({
      identities: 10,
      images: 60,
      faces: 60,
      clearFaces: 60,
      backgroundFaces: 0,
      missed: [],
    });

    const v = report.verification!;
    expect(v.genuinePairs).toBe(10 * 15);
    expect(v.impostorPairs).toBe((60 * 59) / 2 - 150);
    expect(v.auc).toBe(1);
    expect(v.tarAtFar.map((p) => [p.targetFar, p.tar])).toEqual([
      [1e-2, 1],
      [1e-3, 1],
    ]);
    expect(v.bestAccuracy.accuracy).toBe(1);

    expect(report.clustering.map((r) => `${r.method}/${r.setting}`)).toEqual([
      'ours/default',
      'immich/default',
      'immich/oracle',
      'ente/default',
      'ente/oracle',
      'hac/default',
      'hac/oracle',
    ]);
    for (const r of report.clustering) {
      expect(r.bcubed, r.name).toEqual({ precision: 1, recall: 1, f: 1 });
      expect(r.pairwise, r.name).toEqual({ precision: 1, recall: 1, f: 1 });
      expect(r.nmi, r.name).toBeCloseTo(1, 12);
      expect([r.clusters, r.identities, r.singletonClusters, r.unassigned, r.impureClusters], r.name).toEqual([
        10, 10, 0, 0, 0,
      ]);
    }
    // the default already reaches the best F, so the oracle (ties go to the value nearest the default) keeps it
    expect(row(report, 'immich', 'oracle').parameter).toEqual({ name: 'maxDistance', value: IMMICH_MAX_DISTANCE });
    expect(row(report, 'ente', 'oracle').parameter).toEqual({ name: 'minSimilarity', value: ENTE_MIN_SIMILARITY });
    expect(row(report, 'hac', 'oracle').parameter).toEqual({ name: 'maxDistance', value: HAC_AVERAGE_MAX_DISTANCE });
    expect(row(report, 'ours', 'default').suggestions).toMatchObject({ total: 0, correct: 0 });
    expect(row(report, 'immich', 'default').suggestions).toBeNull();
    // orthogonal centres: the impostor cosines this library's calibration measured lie around 0 (pulled a little
    // towards the reference by the prior); every face was clustered, so assignment had nothing to calibrate for
    const { clustering, assignment } = report.calibration;
    expect(clustering!.referenceMean).toBe(REFERENCE_LIBRARY_IMPOSTORS.mean);
    expect(Math.abs(clustering!.mean)).toBeLessThan(0.02);
    expect(assignment).toBeNull();

    // open set: every third identity (id02, id05, id08) is held out; 3 of 6 faces enrolled elsewhere
    const o = report.openSet;
    expect(o.enrolledIdentities).toEqual(['id00', 'id01', 'id03', 'id04', 'id06', 'id07', 'id09']);
    expect(o.unseenIdentities).toEqual(['id02', 'id05', 'id08']);
    expect(o.enrolledFaces).toBe(21);
    for (const m of o.methods) {
      expect(m, m.name).toMatchObject({
        queries: 39,
        known: 21,
        unseen: 18,
        assigned: 21,
        correct: 21,
        precision: 1,
        recall: 1,
        unseenRejectionRate: 1,
      });
      expect(m.unknownRate).toBeCloseTo(18 / 39, 12);
    }
    expect(o.methods.map((m) => m.method)).toEqual(['sparse', 'nearest']);
    for (const q of o.queries) {
      expect(q.sparse).toBe(q.known ? q.identity : null);
      expect(q.nearest).toBe(q.known ? q.identity : null);
    }
  });

  it('splits the open set deterministically: first ceil(n/2) files by name, singletons and every third identity unseen', () => {
    const gauss = normal(prng(7));
    const face = (identity: string, file: string, k: number): LabelledFace => {
      const c = new Float32Array(16);
      c[k] = 1;
      return { identity, file, vector: noisy(c, 0.1, gauss), clear: true };
    };
    const faces = [
      face('carol', 'c_5.jpg', 2),
      face('alice', 'a_3.jpg', 0),
      face('carol', 'c_1.jpg', 2),
      face('bob', 'b_2.jpg', 1),
      face('alice', 'a_1.jpg', 0),
      face('dave', 'd_1.jpg', 3),
      face('alice', 'a_2.jpg', 0),
      face('bob', 'b_1.jpg', 1),
      face('erin', 'e_2.jpg', 4),
      face('erin', 'e_1.jpg', 4),
      face('erin', 'e_3.jpg', 4),
      face('alice', 'a_5.jpg', 0),
      face('alice', 'a_4.jpg', 0),
    ];
    const report = evaluate(faces, [], { coarseStep: 0.05 });
    const o = report.openSet;
    // carol is index 2 (held out), dave has a single face
    expect(o.enrolledIdentities).toEqual(['alice', 'bob', 'erin']);
    expect(o.unseenIdentities).toEqual(['carol', 'dave']);
    expect(o.enrolledFaces).toBe(3 + 1 + 2);
    expect(o.queries.map((q) => `${q.identity}/${q.file}:${q.known}`)).toEqual([
      'alice/a_4.jpg:true',
      'alice/a_5.jpg:true',
      'bob/b_2.jpg:true',
      'carol/c_1.jpg:false',
      'carol/c_5.jpg:false',
      'dave/d_1.jpg:false',
      'erin/e_3.jpg:true',
    ]);

    // the input order changes nothing, anywhere in the report
    const shuffled = [...faces].reverse();
    expect(evaluate(shuffled, [], { coarseStep: 0.05 })).toEqual(report);
  });

  it('gives every oracle at least the BCubed F of its default, on overlapping identities', () => {
    const faces = synthetic({ identities: 12, perIdentity: 5, dim: 24, sigma: 1.1, seed: 3, centers: 'random' });
    const report = evaluate(faces, [], { coarseStep: 0.05 });
    for (const method of ['immich', 'ente', 'hac'] as const) {
      const d = row(report, method, 'default');
      const o = row(report, method, 'oracle');
      expect(o.bcubed.f, method).toBeGreaterThanOrEqual(d.bcubed.f);
      const [lo, hi] = o.oracleRange!;
      expect(o.parameter!.value).toBeGreaterThanOrEqual(lo);
      expect(o.parameter!.value).toBeLessThanOrEqual(hi);
    }
    for (const r of report.clustering) {
      for (const x of [r.bcubed.precision, r.bcubed.recall, r.bcubed.f, r.pairwise.f, r.nmi]) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
      }
    }
    // impure clusters agree with the per-face labels
    for (const method of ['ours', 'immich', 'ente', 'hac'] as const) {
      const members = new Map<number, Set<string>>();
      for (const f of report.faces) {
        if (f[method] < 0) continue;
        const s = members.get(f[method]) ?? new Set<string>();
        s.add(f.identity);
        members.set(f[method], s);
      }
      const impure = [...members.values()].filter((s) => s.size > 1).length;
      expect(impure, method).toBe(row(report, method, 'default').impureClusters);
    }
    // the report is plain JSON
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('lets unclear faces only join people their clear faces make, never incremental assignment, and reports missed images', () => {
    const faces = synthetic({ identities: 4, perIdentity: 4, dim: 16 }).map((f) =>
      f.file.endsWith('_4.jpg') ? { ...f, clear: false } : f,
    );
    const missed = [{ identity: 'id01', file: 'id01_9.jpg', reason: 'no face' }];
    const report = evaluate(faces, missed, { coarseStep: 0.05 });
    expect(report.dataset).toEqual({
      identities: 4,
      images: 17,
      faces: 16,
      clearFaces: 12,
      backgroundFaces: 0,
      missed,
    });

    // the unclear faces found no cluster; a full run absorbs each into the person of its identity (absorb.ts)
    const ours = row(report, 'ours', 'default');
    expect(ours.unassigned).toBe(0);
    expect(ours.bcubed).toEqual({ precision: 1, recall: 1, f: 1 });
    for (const f of report.faces.filter((x) => !x.clear)) {
      const clearPeers = report.faces.filter((x) => x.clear && x.ours === f.ours);
      expect(clearPeers.map((x) => x.identity)).toEqual([f.identity, f.identity, f.identity]);
    }
    // baselines see every face
    expect(row(report, 'hac', 'default').bcubed).toEqual({ precision: 1, recall: 1, f: 1 });

    // id02 held out; the others enrol _1, _2 and query _3 (clear) and _4 (unclear, never assigned)
    for (const q of report.openSet.queries) {
      if (!q.clear) expect([q.sparse, q.nearest]).toEqual([null, null]);
      else expect([q.sparse, q.nearest]).toEqual(q.known ? [q.identity, q.identity] : [null, null]);
    }
    const sparse = report.openSet.methods[0];
    expect(sparse).toMatchObject({ known: 6, unseen: 4, assigned: 3, correct: 3, precision: 1, recall: 0.5 });

    const text = formatReport(report);
    expect(text).toContain('4 identities, 17 labelled images, 16 faces (12 clear), 1 missed');
    expect(text).toContain('missed id01/id01_9.jpg: no face');
    expect(text).toMatch(/ROC AUC\s+1\.0000/);
    expect(text).toContain('TAR @ FAR 1e-3');
    expect(text).toContain('* Immich DBSCAN-like');
    expect(text).toContain('upper bound');
    expect(text).toMatch(/thresholds calibrated without labels .*: clustering impostor mean -?0\.\d{4} sd 0\.\d{4}/);
    expect(text).toMatch(/sparse coding \(the app: recognise, incremental\)\s+100\.0 %\s+50\.0 %/);
  });

  it('survives sets too small for verification', () => {
    const one = synthetic({ identities: 1, perIdentity: 3, dim: 8 });
    const report = evaluate(one, [], { coarseStep: 0.05 });
    expect(report.verification).toBeNull();
    expect(row(report, 'ours', 'default').bcubed.f).toBe(1);
    expect(report.openSet.enrolledIdentities).toEqual(['id00']);
    expect(formatReport(report)).toContain('verification: needs at least one genuine and one impostor pair');

    const empty = evaluate([], [{ identity: 'x', file: 'x.jpg', reason: 'corrupt' }]);
    expect(empty.dataset).toMatchObject({ identities: 0, images: 1, faces: 0 });
    expect(empty.verification).toBeNull();
    expect(empty.openSet.methods[0]).toMatchObject({ queries: 0, assigned: 0 });
  });

  it('clusters background faces with everyone but scores only the labelled ones, and counts junk people', () => {
    const gauss = normal(prng(11));
    const labelled = synthetic({ identities: 6, perIdentity: 5, dim: 32, seed: 5 });
    // a bystander (center e31) behind the subject of every photo of id00..id02: 15 background faces
    const bystander = new Float32Array(32);
    bystander[31] = 1;
    const background: LabelledFace[] = labelled
      .filter((f) => ['id00', 'id01', 'id02'].includes(f.identity))
      .map((f) => ({ ...f, face: 1, labelled: false, vector: noisy(bystander, 0.1, gauss) }));
    // and one lone bystander (center e30) behind id03
    const lone = new Float32Array(32);
    lone[30] = 1;
    background.push({ ...labelled.find((f) => f.identity === 'id03')!, face: 2, labelled: false, vector: lone });
    const report = evaluate([...labelled, ...background]);
    const alone = evaluate(labelled);
    expect(report.dataset).toMatchObject({ identities: 6, images: 30, faces: 30, backgroundFaces: 16 });
    // verification is over the labelled faces only
    expect(report.verification!.genuinePairs).toBe(alone.verification!.genuinePairs);
    expect(report.verification!.impostorPairs).toBe(alone.verification!.impostorPairs);
    expect(report.faces).toHaveLength(46);
    expect(report.faces.filter((f) => !f.labelled).every((f) => f.face > 0)).toBe(true);
    // the bystander becomes one person of background faces: a junk person, never a false merge. The lone one is
    // a junk person of one face for HAC (every face gets a cluster) and unassigned for us (no gallery person)
    const expected = { ours: [7, 1, 1, 1], hac: [8, 2, 1, 0] };
    for (const method of ['ours', 'hac'] as const) {
      const r = row(report, method, 'default');
      expect(r.bcubed, method).toEqual({ precision: 1, recall: 1, f: 1 });
      expect([r.impureClusters, r.unassigned], method).toEqual([0, 0]);
      expect([r.clusters, r.junkPeople, r.junkPeopleOfTwoOrMore, r.unassignedBackground], method).toEqual(
        expected[method],
      );
      const bystanders = new Set(report.faces.filter((f) => !f.labelled && f.face === 1).map((f) => f[method]));
      expect(bystanders.size, method).toBe(1);
    }
    // background faces are not scored: every default row scores as it does without the bystander
    for (const r of report.clustering) {
      const same = alone.clustering.find((a) => a.method === r.method && a.setting === r.setting)!;
      if (r.setting === 'default') expect(r.bcubed, r.name).toEqual(same.bcubed);
    }
    // the open set never sees a background face
    expect(report.openSet).toEqual(alone.openSet);
  });

  it('refines the oracle on the fine grid around the best coarse value', () => {
    const faces = synthetic({ identities: 12, perIdentity: 5, dim: 24, sigma: 1.1, seed: 3, centers: 'random' });
    const coarseOnly = evaluate(faces, [], { coarseStep: 0.05, fineStep: 0.05 });
    const refined = evaluate(faces, [], { coarseStep: 0.05, fineStep: 0.01 });
    for (const method of ['immich', 'ente', 'hac'] as const) {
      const c = row(coarseOnly, method, 'oracle');
      const f = row(refined, method, 'oracle');
      expect(f.bcubed.f, method).toBeGreaterThanOrEqual(c.bcubed.f);
      expect(Math.abs(f.parameter!.value - c.parameter!.value), method).toBeLessThanOrEqual(0.05 + 1e-9);
      // a grid value: a multiple of 0.01, or the default
      const v = f.parameter!.value;
      const d = row(refined, method, 'default').parameter!.value;
      expect(Math.abs(v * 100 - Math.round(v * 100)) < 1e-6 || v === d, method).toBe(true);
    }
    // the 12-identity set has room to gain: at least one baseline's refined oracle is off the coarse grid
    const offGrid = (['immich', 'ente', 'hac'] as const).some((m) => {
      const v = row(refined, m, 'oracle').parameter!.value;
      return Math.abs(v * 20 - Math.round(v * 20)) > 1e-6;
    });
    expect(offGrid).toBe(true);
  });
});
