import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { convertSources, fetchModels, sha256Hex, sourceCachePath } from '../../src/models/fetch.js';
import { ManifestSchema, convertKey, sourcesOf } from '../../src/models/manifest.js';
import { attr, buildModel } from './tfjs-graph-fixture.js';

/** y = Relu(x · 2) on [1,2,2,1]: a graph small enough to check by hand. */
function tinyModel() {
  return buildModel({
    inputs: { x: [1, 2, 2, 1] },
    consts: { k: { shape: [], values: [2] } },
    nodes: [
      { name: 'm', op: 'Mul', input: ['x', 'k'], attr: {} },
      { name: 'Identity', op: 'Relu', input: ['m'], attr: { T: attr.type('DT_FLOAT') } },
    ],
  });
}

const PKG = { name: '@example/models', version: '1.0.0', integrity: 'sha512-unused', license: 'MIT' };

describe('model manifest', () => {
  it('accepts single-file and multi-source entries', () => {
    const parsed = ManifestSchema.parse({
      packages: [
        {
          ...PKG,
          files: [
            { id: 'a', role: 'face-detector', path: 'package/a.onnx', output: 'a.onnx', sha256: 'a'.repeat(64) },
            {
              id: 'b',
              role: 'person-detector',
              sources: [
                { path: 'package/m/b.json', sha256: 'b'.repeat(64) },
                { path: 'package/m/b.bin', sha256: 'c'.repeat(64) },
              ],
              output: 'b.onnx',
              convert: { kind: 'tfjs-graph', inputShape: [1, 8, 8, 3], outputs: ['x/y'] },
              cacheSources: true,
            },
          ],
        },
      ],
    });
    const [a, b] = parsed.packages[0].files;
    expect(sourcesOf(a)).toEqual([{ path: 'package/a.onnx', sha256: 'a'.repeat(64) }]);
    expect(sourcesOf(b).map((s) => s.path)).toEqual(['package/m/b.json', 'package/m/b.bin']);
    expect(convertKey(b.convert)).toBe('{"kind":"tfjs-graph","inputShape":[1,8,8,3],"outputs":["x/y"]}');
    expect(convertKey(a.convert)).toBeNull();
  });

  it('rejects ambiguous or unconvertible entries', () => {
    const file = { id: 'x', role: 'notice', output: 'x' };
    const both = { ...file, path: 'p', sha256: 'a'.repeat(64), sources: [{ path: 'q', sha256: 'b'.repeat(64) }] };
    const several = {
      ...file,
      sources: [
        { path: 'q', sha256: 'b'.repeat(64) },
        { path: 'r', sha256: 'c'.repeat(64) },
      ],
    };
    const noJson = { ...several, convert: { kind: 'tfjs-graph' } };
    for (const bad of [both, several, noJson, file]) {
      expect(ManifestSchema.safeParse({ packages: [{ ...PKG, files: [bad] }] }).success).toBe(false);
    }
  });
});

describe('tfjs-graph conversion in set-up', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('converts model.json + shard sources and finds the shard next to the json', async () => {
    const model = tinyModel();
    const sources = new Map<string, Uint8Array>([
      [
        'package/models/tiny.json',
        new TextEncoder().encode(
          JSON.stringify({
            ...model.json,
            weightsManifest: [{ ...model.json.weightsManifest[0], paths: ['tiny.bin'] }],
          }),
        ),
      ],
      ['package/models/tiny.bin', model.shard],
    ]);
    const onnxBytes = convertSources({ kind: 'tfjs-graph' }, sources);
    const session = await ort.InferenceSession.create(onnxBytes);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 0.5, 2, -3]), [1, 2, 2, 1]) });
    expect(Array.from(out.Identity.data as Float32Array)).toEqual([0, 1, 4, 0]);

    sources.delete('package/models/tiny.bin');
    expect(() => convertSources({ kind: 'tfjs-graph' }, sources)).toThrow(/package\/models\/tiny\.bin.*not among/);
  });

  it('rebuilds from cached sources without a download, then reports everything in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'models-test-'));
    dirs.push(dir);
    const model = tinyModel();
    const json = new TextEncoder().encode(
      JSON.stringify({ ...model.json, weightsManifest: [{ ...model.json.weightsManifest[0], paths: ['tiny.bin'] }] }),
    );
    const pkg = { ...PKG, files: [] };
    const sources = [
      { path: 'package/models/tiny.json', sha256: sha256Hex(json) },
      { path: 'package/models/tiny.bin', sha256: sha256Hex(model.shard) },
    ];
    for (const [s, bytes] of [
      [sources[0], json],
      [sources[1], model.shard],
    ] as const) {
      const at = sourceCachePath(dir, pkg, s.path);
      mkdirSync(dirname(at), { recursive: true });
      writeFileSync(at, bytes);
    }
    expect(sourceCachePath(dir, pkg, 'package/models/tiny.json')).toBe(
      join(dir, '.cache', '@example/models@1.0.0', 'models', 'tiny.json'),
    );
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        packages: [
          {
            ...PKG,
            files: [
              {
                id: 'tiny',
                role: 'person-detector',
                sources,
                output: 'tiny.onnx',
                convert: { kind: 'tfjs-graph' },
                cacheSources: true,
              },
            ],
          },
        ],
      }),
    );
    const log: string[] = [];
    const first = await fetchModels(dir, (m) => log.push(m));
    expect(first).toEqual({ fetched: ['tiny.onnx'], upToDate: [] });
    expect(log.join('\n')).toMatch(/rebuilding tiny\.onnx from the cached/);
    const state = JSON.parse(readFileSync(join(dir, '.fetched.json'), 'utf8')) as Record<string, { sha256: string }>;
    expect(state['tiny.onnx'].sha256).toBe(sha256Hex(readFileSync(join(dir, 'tiny.onnx'))));

    expect(await fetchModels(dir)).toEqual({ fetched: [], upToDate: ['tiny.onnx'] });

    // Deleting the output rebuilds it from the cache again, byte for byte.
    const before = readFileSync(join(dir, 'tiny.onnx'));
    rmSync(join(dir, 'tiny.onnx'));
    expect(await fetchModels(dir)).toEqual({ fetched: ['tiny.onnx'], upToDate: [] });
    expect(readFileSync(join(dir, 'tiny.onnx')).equals(before)).toBe(true);
  });

  it('refuses a cache path that leaves the package', () => {
    expect(() => sourceCachePath('/m', PKG, 'package/../../etc/passwd')).toThrow(/leaves the package/);
  });
});
