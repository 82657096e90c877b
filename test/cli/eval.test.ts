import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { evalCommand } from '../../src/cli/eval.js';
import type { EvaluationReport } from '../../src/service/evaluation.js';
import { RecordedPerception } from '../fakes/perception/index.js';
import { captureOutput } from './cli-helpers.js';
import { fixture, HAS_FIXTURES, HAS_MODELS } from '../helpers/fixtures.js';

describe('immich-people eval', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('refuses bad arguments with exit code 2', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await evalCommand([])).toBe(2);
    expect(await evalCommand(['a', 'b'])).toBe(2);
    expect(await evalCommand(['--no-such-flag', '.'])).toBe(2);
    expect(await evalCommand(['/no/such/folder'])).toBe(2);
    expect(await evalCommand([mkdtempSync(join(tmpdir(), 'eval-empty-'))])).toBe(2);
  });

  it('refuses a --json it cannot write before embedding anything, with exit 2', async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    expect(await evalCommand([fixture('people'), '--json', '/missing/eval.json'])).toBe(2);
    expect(stderr.join('')).toBe('immich-people: --json /missing/eval.json: the folder /missing does not exist\n');
  });

  if (!HAS_FIXTURES || !HAS_MODELS) console.warn('[skip] eval on the fixture people: fixtures or models missing');

  it.skipIf(!HAS_FIXTURES || !HAS_MODELS)('evaluates the fixture people in one run', async () => {
    const output = captureOutput();
    const dir = mkdtempSync(join(tmpdir(), 'eval-'));
    const json = join(dir, 'eval.json');
    expect(await evalCommand([fixture('people'), '--json', json, '--cache', join(dir, 'cache')])).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as EvaluationReport;
    const text = output.stdout();

    // one run, every section, on the same faces
    expect(report.dataset.identities).toBe(8);
    expect(report.dataset.images).toBe(24);
    expect(report.dataset.faces + report.dataset.missed.length).toBe(24);
    expect(report.faces.filter((f) => f.labelled)).toHaveLength(report.dataset.faces);
    expect(report.faces).toHaveLength(report.dataset.faces + report.dataset.backgroundFaces);
    expect(report.verification!.auc).toBeGreaterThanOrEqual(0.99);

    // ours: precise, and no cluster holding two fixture identities
    const ours = report.clustering.find((r) => r.method === 'ours')!;
    expect(ours.bcubed.precision).toBeGreaterThanOrEqual(0.95);
    expect(ours.impureClusters).toBe(0);
    const members = new Map<number, Set<string>>();
    for (const f of report.faces) {
      if (f.ours < 0 || !f.labelled) continue;
      members.set(f.ours, (members.get(f.ours) ?? new Set<string>()).add(f.identity));
    }
    expect([...members.values()].every((ids) => ids.size === 1)).toBe(true);

    expect(report.clustering.map((r) => `${r.method}/${r.setting}`)).toEqual([
      'ours/default',
      'immich/default',
      'immich/oracle',
      'ente/default',
      'ente/oracle',
      'hac/default',
      'hac/oracle',
    ]);
    expect(report.openSet.methods.map((m) => m.method)).toEqual(['sparse', 'nearest']);
    expect(report.openSet.methods[0].queries).toBeGreaterThan(0);

    // the same figures as a table on stdout, progress and summary on stderr
    expect(text).toMatch(/ROC AUC\s+\d\.\d{4}/);
    expect(text).toContain('TAR @ FAR 1e-2');
    expect(text).toContain('ours: the app (recognise), defaults');
    expect(text).toContain('* Ente greedy');
    expect(text).toContain('nearest exemplar (assignNearest)');
    expect(output.stderr()).toMatch(/24 images perceived/);
  });

  it.skipIf(!HAS_FIXTURES)('a second run on the same folder reads the cache and runs no model', async () => {
    const output = captureOutput();
    const perception = new RecordedPerception();
    const dir = mkdtempSync(join(tmpdir(), 'eval-'));
    const args = [fixture('people'), '--cache', join(dir, 'cache'), '--json', join(dir, 'eval.json')];
    expect(await evalCommand(args, () => Promise.resolve(perception))).toBe(0);
    expect(perception.calls).toBe(24);
    const first = readFileSync(join(dir, 'eval.json'), 'utf8');
    expect(await evalCommand(args, () => Promise.resolve(perception))).toBe(0);
    expect(perception.calls).toBe(24);
    expect(readFileSync(join(dir, 'eval.json'), 'utf8')).toBe(first);
    expect(output.stderr()).toMatch(/24 images perceived in [\d.]+ s \(24 from the cache/);
  });
});
