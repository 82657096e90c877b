import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TELEMETRY_OFF } from '../../src/privacy.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

/** The specifier of a file's first import statement. */
function firstImport(source: string): string | undefined {
  return /^import\s+(?:[^'"]*\sfrom\s+)?'([^']+)'/m.exec(source)?.[1];
}

describe('telemetry off', () => {
  it('switches onnxruntime telemetry off, even where the environment tried to switch it on', async () => {
    expect(Object.keys(TELEMETRY_OFF)).toContain('ORT_DISABLE_TELEMETRY');
    process.env.ORT_DISABLE_TELEMETRY = '0';
    vi.resetModules();
    await import('../../src/privacy.js');
    for (const [variable, value] of Object.entries(TELEMETRY_OFF)) expect(process.env[variable]).toBe(value);
  });

  it.each(['src/cli/main.ts', 'src/models/session.ts', 'bench/bench.ts', 'bench/cluster.ts'])(
    '%s imports the privacy module before anything else',
    (path) => {
      expect(firstImport(read(path))).toMatch(/\/privacy\.js$/);
    },
  );

  it('the image sets the same switches in its build and run stages', () => {
    const stages = read('Dockerfile')
      .split(/^FROM /m)
      .slice(1);
    expect(stages).toHaveLength(2);
    for (const stage of stages) {
      for (const [variable, value] of Object.entries(TELEMETRY_OFF)) expect(stage).toContain(`${variable}=${value}`);
    }
  });
});
