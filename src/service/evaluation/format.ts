/** The table printed by `immich-people eval`. */

import type { EvaluationReport } from './types.js';

const fixed = (v: number, digits = 3): string => v.toFixed(digits);
const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;

/** Up to ten names, then how many more. */
function listed(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, 10).join(', ');
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The report as a readable plain-text table. */
export function formatReport(report: EvaluationReport): string {
  const out: string[] = [];
  const d = report.dataset;
  out.push(
    `dataset: ${d.identities} identities, ${d.images} labelled images, ${d.faces} faces (${d.clearFaces} clear), ` +
      `${d.missed.length} missed, ${d.backgroundFaces} background faces`,
  );
  out.push(
    '  the largest face of a labelled photo carries its label; every other face (a bystander, or any face of an ' +
      '"a+b" photo) is clustered by every method but scored by none (see junk)',
  );
  for (const m of d.missed) out.push(`  missed ${m.identity}/${m.file}: ${m.reason}`);
  out.push('');

  const v = report.verification;
  if (v) {
    out.push(`verification, all pairs (${v.genuinePairs} genuine, ${v.impostorPairs} impostor)`);
    const thr = (t: number | null) => (t === null ? 'accept all' : `cos > ${fixed(t)}`);
    out.push(
      table(
        ['measure', 'value', 'at'],
        [
          ['ROC AUC', fixed(v.auc, 4), ''],
          ...v.tarAtFar.map((p) => [
            `TAR @ FAR ${p.targetFar.toExponential(0)}`,
            fixed(p.tar),
            `${thr(p.threshold)} (FAR ${fixed(p.far, 4)})`,
          ]),
          ['best accuracy', fixed(v.bestAccuracy.accuracy), thr(v.bestAccuracy.threshold)],
        ],
      ),
    );
  } else {
    out.push('verification: needs at least one genuine and one impostor pair');
  }
  out.push('');

  out.push(
    `clustering (${report.clustering[0]?.identities ?? 0} identities; * = best threshold in hindsight; scores over ` +
      `labelled faces; clusters, single and junk over every face)`,
  );
  out.push(
    table(
      [
        'method',
        'B3 P',
        'B3 R',
        'B3 F',
        'pair P',
        'pair R',
        'pair F',
        'NMI',
        'clusters',
        'single',
        'unassigned',
        'junk',
        'junk>=2',
        'impure',
      ],
      report.clustering.map((r) => [
        `${r.setting === 'oracle' ? '* ' : ''}${r.name}`,
        fixed(r.bcubed.precision),
        fixed(r.bcubed.recall),
        fixed(r.bcubed.f),
        fixed(r.pairwise.precision),
        fixed(r.pairwise.recall),
        fixed(r.pairwise.f),
        fixed(r.nmi),
        String(r.clusters),
        String(r.singletonClusters),
        String(r.unassigned),
        String(r.junkPeople),
        String(r.junkPeopleOfTwoOrMore),
        String(r.impureClusters),
      ]),
    ),
  );
  const c = report.calibration;
  const describe = (use: string, r: typeof c.clustering) =>
    r === null
      ? `${use} not needed`
      : `${use} impostor mean ${fixed(r.mean, 4)} sd ${fixed(r.spread, 4)} (reference ${fixed(r.referenceMean, 4)} / ${fixed(r.referenceSpread, 4)})`;
  out.push(
    `ours: thresholds calibrated without labels (recognition/calibration.ts): ${describe('clustering', c.clustering)}; ` +
      `${describe('assignment', c.assignment)}`,
  );
  for (const r of report.clustering) {
    if (!r.suggestions) continue;
    const sg = r.suggestions;
    out.push(
      `${r.method}: ${sg.total} merge suggestion${sg.total === 1 ? '' : 's'}, ${sg.correct} of them right; a user accepting exactly the ` +
        `right ones would reach BCubed F ${fixed(sg.bcubedIfCorrectAccepted.f)}`,
    );
  }
  out.push(
    'unassigned: labelled faces without a person; junk: people more than half of whose faces are background ' +
      '(junk>=2: of two or more faces).',
  );
  out.push(
    '* oracle: the threshold (a coarse grid over [0, 1] plus the default, refined around the best) that ' +
      'maximises BCubed F on these labels.',
  );
  out.push('  An upper bound that peeks at the answers, not a setting any library could ship. Values reaching that F:');
  for (const r of report.clustering) {
    if (r.setting === 'oracle' && r.oracleRange && r.parameter) {
      out.push(`  ${r.method}: ${r.parameter.name} ${fixed(r.oracleRange[0], 2)} .. ${fixed(r.oracleRange[1], 2)}`);
    }
  }
  out.push('');

  const o = report.openSet;
  out.push(
    `open-set assignment: ${o.enrolledFaces} faces of ${o.enrolledIdentities.length} identities enrolled; ` +
      `${o.methods[0]?.queries ?? 0} queries (${o.methods[0]?.known ?? 0} known, ${o.methods[0]?.unseen ?? 0} unseen: ` +
      `${listed(o.unseenIdentities)})`,
  );
  out.push(
    table(
      ['method', 'precision', 'recall', 'unknown rate', 'unseen rejected', 'assigned', 'correct'],
      o.methods.map((m) => [
        m.name,
        pct(m.precision),
        pct(m.recall),
        pct(m.unknownRate),
        pct(m.unseenRejectionRate),
        String(m.assigned),
        String(m.correct),
      ]),
    ),
  );
  return `${out.join('\n')}\n`;
}
