import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

describe('loadConfig', () => {
  it('gives documented defaults with no file and no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config.perception.faceBackend).toBe('embedded');
    expect(config.perception.detector).toEqual({ minScore: 0.7, nmsIou: 0.3, tiles: true });
    expect(config.models.intraOpThreads).toBe(1);
  });

  it('layers the file under environment variables', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'config.json');
    writeFileSync(file, JSON.stringify({ perception: { faceBackend: 'onnx', detector: { minScore: 0.8 } } }));
    const config = loadConfig({ env: { IMMICH_PEOPLE_CONFIG: file, IMMICH_PEOPLE_THREADS: '2' } });
    expect(config.perception.faceBackend).toBe('onnx');
    expect(config.perception.detector.minScore).toBe(0.8);
    expect(config.perception.detector.tiles).toBe(true);
    expect(config.models.intraOpThreads).toBe(2);
    expect(
      loadConfig({ env: { IMMICH_PEOPLE_CONFIG: file, IMMICH_PEOPLE_FACE_BACKEND: 'embedded' } }).perception
        .faceBackend,
    ).toBe('embedded');
  });

  it('names the field that is wrong', () => {
    expect(() => loadConfig({ env: { IMMICH_PEOPLE_FACE_BACKEND: 'magic' } })).toThrow(/perception\.faceBackend/);
    expect(() => loadConfig({ env: { IMMICH_PEOPLE_THREADS: 'many' } })).toThrow(/models\.intraOpThreads/);
    expect(() => loadConfig({ env: { IMMICH_PEOPLE_CONFIG: '/no/such/config.json' } })).toThrow(
      /cannot read the config file/,
    );
  });
});

describe('config/default.json', () => {
  it('is valid and equals the built-in defaults it documents', async () => {
    const { readFileSync } = await import('node:fs');
    const { PROJECT_ROOT } = await import('../helpers/fixtures.js');
    const file = join(PROJECT_ROOT, 'config', 'default.json');
    expect(loadConfig({ env: { IMMICH_PEOPLE_CONFIG: file } })).toEqual(loadConfig({ env: {} }));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(loadConfig({ env: {} }));
  });
});
