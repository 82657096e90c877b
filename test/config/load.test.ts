import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_OVERRIDES } from '../../src/config/environment.js';
import { DEFAULT_INTRA_OP_THREADS } from '../../src/config/schema.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

describe('loadConfig', () => {
  it('gives documented defaults with no file and no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config.perception.faceBackend).toBe('embedded');
    expect(config.perception.detector).toEqual({ minScore: 0.7, nmsIou: 0.3, tiles: true });
    // one per core, at most four
    expect(config.models.intraOpThreads).toBe(DEFAULT_INTRA_OP_THREADS);
    expect(DEFAULT_INTRA_OP_THREADS).toBe(Math.min(availableParallelism(), 4));
  });

  it('layers the file under environment variables', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'config.json');
    writeFileSync(file, JSON.stringify({ perception: { faceBackend: 'onnx', detector: { minScore: 0.8 } } }));
    const config = loadConfig({ env: { IMMICH_PEOPLE_CONFIG: file, IMMICH_PEOPLE_THREADS: '7' } });
    expect(config.perception.faceBackend).toBe('onnx');
    expect(config.perception.detector.minScore).toBe(0.8);
    expect(config.perception.detector.tiles).toBe(true);
    expect(config.models.intraOpThreads).toBe(7);
    expect(
      loadConfig({ env: { IMMICH_PEOPLE_CONFIG: file, IMMICH_PEOPLE_FACE_BACKEND: 'embedded' } }).perception
        .faceBackend,
    ).toBe('embedded');
  });

  it('names the field that is wrong', () => {
    expect(() => loadConfig({ env: { IMMICH_PEOPLE_FACE_BACKEND: 'magic' } })).toThrow(/perception\.faceBackend/);
    expect(() => loadConfig({ env: { IMMICH_PEOPLE_THREADS: 'many' } })).toThrow(
      'IMMICH_PEOPLE_THREADS="many" is not a number (models.intraOpThreads)',
    );
    expect(() => loadConfig({ env: { IMMICH_PEOPLE_CONFIG: '/no/such/config.json' } })).toThrow(
      /cannot read the config file/,
    );
  });
});

function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** The problems loadConfig reports, or a failure when it accepts the configuration. */
function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('the status port', () => {
  it('listens on loopback unless IMMICH_PEOPLE_HOST says otherwise, and the image opens it to the container', () => {
    expect(loadConfig({ env: {} }).server).toEqual({ port: 3031, host: '127.0.0.1' });
    expect(loadConfig({ env: { IMMICH_PEOPLE_HOST: '0.0.0.0' } }).server.host).toBe('0.0.0.0');
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runStage).toMatch(/^\s+IMMICH_PEOPLE_HOST=0\.0\.0\.0$/m);
  });
});

describe('configuration mistakes', () => {
  it('refuses a mistyped key in the file, naming the file and the key path', () => {
    const file = configFile({ immich: { pollSecnds: 60 } });
    expect(problems({ IMMICH_PEOPLE_CONFIG: file })).toEqual([
      `${file}: unknown key immich.pollSecnds (did you mean immich.pollSeconds?)`,
    ]);
    expect(problems({ IMMICH_PEOPLE_CONFIG: configFile({ stor: { path: 'x.db' } }) })[0]).toMatch(
      /config\.json: unknown key stor \(did you mean store\?\)$/,
    );
    expect(problems({ IMMICH_PEOPLE_CONFIG: configFile({ perception: { detector: { colour: true } } }) })[0]).toMatch(
      /config\.json: unknown key perception\.detector\.colour$/,
    );
  });

  it('accepts only true/false/1/0/yes/no, in any case, for a boolean variable', () => {
    const tags = (value: string) => loadConfig({ env: { IMMICH_PEOPLE_TAGS: value } }).immich.tags;
    expect(['true', 'TRUE', '1', 'yes', 'Yes'].map(tags)).toEqual([true, true, true, true, true]);
    expect(['false', 'False', '0', 'no', 'NO'].map(tags)).toEqual([false, false, false, false, false]);
    expect(problems({ IMMICH_PEOPLE_TAGS: 'maybe' })).toEqual([
      'IMMICH_PEOPLE_TAGS="maybe" is not a boolean (immich.tags): use true, false, 1, 0, yes or no',
    ]);
    expect(problems({ IMMICH_PEOPLE_TAGS: 'on' })).toHaveLength(1);
  });

  it('accepts only numbers for a number variable, and names the variable for a value out of range', () => {
    expect(loadConfig({ env: { IMMICH_PEOPLE_POLL_SECONDS: '60' } }).immich.pollSeconds).toBe(60);
    expect(problems({ IMMICH_PEOPLE_POLL_SECONDS: 'abc' })).toEqual([
      'IMMICH_PEOPLE_POLL_SECONDS="abc" is not a number (immich.pollSeconds)',
    ]);
    for (const notANumber of [' ', '0x20', 'Infinity', '3 s']) {
      expect(problems({ IMMICH_PEOPLE_PORT: notANumber })[0]).toContain('is not a number (server.port)');
    }
    expect(problems({ IMMICH_PEOPLE_POLL_SECONDS: '5' })).toEqual([
      'IMMICH_PEOPLE_POLL_SECONDS="5": immich.pollSeconds: Too small: expected number to be >=10',
    ]);
    expect(problems({ IMMICH_PEOPLE_MODE: 'sugest' })[0]).toMatch(/^IMMICH_PEOPLE_MODE="sugest": immich\.mode: /);
  });

  it('refuses values of the wrong type in the file, naming the file and the key path', () => {
    const file = configFile({ immich: { pollSeconds: '300', tags: 'yes' } });
    expect(problems({ IMMICH_PEOPLE_CONFIG: file })).toEqual([
      `${file}: immich.tags: Invalid input: expected boolean, received string`,
      `${file}: immich.pollSeconds: Invalid input: expected number, received string`,
    ]);
    const list = configFile([1, 2]);
    expect(problems({ IMMICH_PEOPLE_CONFIG: list })).toEqual([`${list}: the top level must be a JSON object`]);
  });

  it('reports every mistake at once, and a variable that fixes a bad file value wins', () => {
    const file = configFile({ server: { port: 'http' }, immich: { pollSeconds: 1 } });
    expect(problems({ IMMICH_PEOPLE_CONFIG: file, IMMICH_PEOPLE_TAGS: 'maybe' })).toHaveLength(3);
    expect(
      loadConfig({ env: { IMMICH_PEOPLE_CONFIG: file, IMMICH_PEOPLE_PORT: '0', IMMICH_PEOPLE_POLL_SECONDS: '60' } })
        .server.port,
    ).toBe(0);
  });
});

describe('defaults in one place', () => {
  it('has no second copy of the defaults for the image to ship', () => {
    expect(existsSync(join(PROJECT_ROOT, 'config', 'default.json'))).toBe(false);
    expect(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8')).not.toMatch(/^COPY config/m);
  });

  it("the README's configuration table names every environment variable", () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Development'));
    const documented = new Set([...section.matchAll(/`((?:IMMICH|LOG)_[A-Z_]+)`/g)].map((m) => m[1]));
    const read = [...ENV_OVERRIDES.map((o) => o.variable), 'IMMICH_PEOPLE_CONFIG', 'LOG_LEVEL'];
    expect([...documented].sort()).toEqual([...read].sort());
  });
});
