import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { detectCommand } from '../../src/cli/detect.js';
import { MissingModelError } from '../../src/models/session.js';
import { fixture, HAS_FIXTURES, HAS_MODELS } from '../helpers/fixtures.js';

interface Line {
  file: string;
  width?: number;
  height?: number;
  faces: { box: number[]; landmarks: number[][]; quality: { clear: boolean }; embedding?: number[] }[];
  error?: string;
}

function readLines(path: string): Line[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

describe('immich-people detect', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.IMMICH_PEOPLE_MODELS_DIR;
  });

  it('refuses bad arguments with exit code 2', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await detectCommand([])).toBe(2);
    expect(await detectCommand(['--no-such-flag', '.'])).toBe(2);
    expect(await detectCommand(['/no/such/folder'])).toBe(2);
  });

  it('refuses an --out it cannot write before any work, with exit 2 and no stack trace', async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    // no models: had the work started, this would fail with MissingModelError instead
    process.env.IMMICH_PEOPLE_MODELS_DIR = mkdtempSync(join(tmpdir(), 'no-models-'));
    expect(await detectCommand([fixture('no_face'), '--out', '/missing/x.jsonl'])).toBe(2);
    expect(stderr.join('')).toBe('immich-people: --out /missing/x.jsonl: the folder /missing does not exist\n');
    expect(await detectCommand([fixture('no_face'), '--out', tmpdir()])).toBe(2);
  });

  it('stops with a clear error when the models are missing', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.env.IMMICH_PEOPLE_MODELS_DIR = mkdtempSync(join(tmpdir(), 'no-models-'));
    await expect(detectCommand([fixture('no_face')])).rejects.toBeInstanceOf(MissingModelError);
  });

  it.skipIf(!HAS_FIXTURES || !HAS_MODELS)(
    'walks folders, writes one JSON line per image and keeps going past broken files',
    async () => {
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const dir = mkdtempSync(join(tmpdir(), 'detect-'));
      mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
      copyFileSync(fixture('groups/two_people.jpg'), join(dir, 'nested', 'deeper', 'two.jpg'));
      copyFileSync(fixture('no_face/cat.jpg'), join(dir, 'cat.jpg'));
      writeFileSync(join(dir, 'empty.jpg'), '');
      writeFileSync(join(dir, 'notes.jpg'), 'not a photo');
      writeFileSync(join(dir, 'half.jpg'), readFileSync(fixture('people/obama/obama_1.jpg')).subarray(0, 20_000));
      writeFileSync(join(dir, 'readme.txt'), 'ignored: not an image name');
      execFileSync('mkfifo', [join(dir, 'pipe.jpg')]); // never opened: opening a FIFO would hang the run
      const out = join(dir, 'out.jsonl');

      expect(await detectCommand([dir, '--embeddings', '--out', out])).toBe(0);
      // written through a temporary file beside it, renamed when complete: nothing else is left in the folder
      expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
      const lines = readLines(out);
      const byName = new Map(lines.map((l) => [l.file.slice(dir.length + 1), l]));
      expect([...byName.keys()].sort()).toEqual([
        'cat.jpg',
        'empty.jpg',
        'half.jpg',
        'nested/deeper/two.jpg',
        'notes.jpg',
        'pipe.jpg',
      ]);
      expect(byName.get('pipe.jpg')).toMatchObject({ faces: [], error: expect.stringMatching(/FIFO/) });
      expect(byName.get('cat.jpg')).toMatchObject({ width: 800, height: 599, faces: [] });
      expect(byName.get('empty.jpg')!.error).toMatch(/empty file/);
      expect(byName.get('notes.jpg')!.error).toMatch(/not an image/);
      expect(byName.get('half.jpg')!.error).toMatch(/corrupt or truncated/);
      const two = byName.get('nested/deeper/two.jpg')!;
      expect(two.error).toBeUndefined();
      const clear = two.faces.filter((f) => f.quality.clear);
      expect(clear).toHaveLength(2);
      for (const face of clear) {
        expect(face.box).toHaveLength(4);
        expect(face.landmarks).toHaveLength(5);
        expect(face.embedding).toHaveLength(512);
      }
    },
  );

  it.skipIf(!HAS_FIXTURES || !HAS_MODELS)('leaves embeddings out unless asked', async () => {
    const chunks: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
    expect(await detectCommand([fixture('people/obama/obama_5.jpg')])).toBe(0);
    const [line] = chunks
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(line.faces).toHaveLength(1);
    expect(line.faces[0].embedding).toBeUndefined();
  });
});
