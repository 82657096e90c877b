import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { Store } from '../../src/store/store.js';
import type { Observation } from '../../src/types.js';
import { clearFace } from '../helpers/observations.js';

/** What a command wrote to stdout and stderr, captured until vi.restoreAllMocks(). */
export function captureOutput(): { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  return { stdout: () => out.join(''), stderr: () => err.join('') };
}

export const tempDir = (prefix = 'cli-') => mkdtempSync(join(tmpdir(), prefix));

/** A clear face without a vector whose box starts at x. */
export const clearFaceAt = (x: number): Observation => clearFace([x, 10, x + 50, 70]);

/**
 * A store as a scan leaves it: p3 "Ann" (3 faces), p12 "Bob" (2), p20 without a name (1), and a suggestion to merge
 * p3 and p12. Returns its path and the observation ids of each person.
 */
export function peopleStore(): { db: string; faces: Record<'p3' | 'p12' | 'p20', number[]>; suggestion: number } {
  const db = join(tempDir('people-'), 'people.db');
  const store = Store.open(db);
  const people = { p3: 'Ann', p12: 'Bob', p20: null } as const;
  const faces = { p3: [] as number[], p12: [] as number[], p20: [] as number[] };
  const counts = { p3: 3, p12: 2, p20: 1 };
  for (const id of ['p3', 'p12', 'p20'] as const) {
    store.people.create({ id, name: people[id] });
    for (let i = 0; i < counts[id]; i++) {
      const asset = store.assets.upsert({
        source: 'folder',
        sourceId: `${id}/photo_${i}.jpg`,
        contentHash: `${id}-${i}`,
        capturedAt: null,
        latitude: null,
        longitude: null,
      });
      const [observation] = store.observations.replaceForAsset(asset.id, [clearFaceAt(10 * i)]);
      store.observations.assign([{ id: observation, personId: id, assignedBy: 'cluster' }]);
      faces[id].push(observation);
    }
    store.people.setExemplars(id, faces[id]);
  }
  store.suggestions.replaceOpen([{ personA: 'p12', personB: 'p3', score: 0.61 }]);
  const [suggestion] = store.suggestions.list();
  store.close();
  return { db, faces, suggestion: suggestion.id };
}
