import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scanCommand } from '../../src/cli/scan.js';
import type { LibraryJson } from '../../src/hosts/folder/json-report.js';
import { fixture, HAS_FIXTURES, HAS_MODELS } from '../helpers/fixtures.js';
import { captureOutput, tempDir } from './cli-helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('immich-people scan', () => {
  it('a missing folder is exit 1 and leaves no store behind', async () => {
    const db = join(tempDir(), 'people.db');
    const output = captureOutput();
    expect(await scanCommand(['/nope', '--db', db])).toBe(1);
    expect(output.stderr()).toBe('immich-people: not a folder: /nope\n');
    expect(existsSync(db)).toBe(false);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable folder is exit 1 and leaves no store behind', async () => {
    const dir = tempDir();
    const photos = join(dir, 'photos');
    mkdirSync(photos, { mode: 0o000 });
    const db = join(dir, 'people.db');
    captureOutput();
    try {
      expect(await scanCommand([photos, '--db', db])).toBe(1);
    } finally {
      chmodSync(photos, 0o755);
    }
    expect(existsSync(db)).toBe(false);
  });

  it.each([
    ['--json', '/missing/people.json'],
    ['--report', '/missing/people.html'],
  ])('refuses %s %s before opening the store: exit 2', async (option, path) => {
    const db = join(tempDir(), 'people.db');
    const output = captureOutput();
    expect(await scanCommand([tempDir(), '--db', db, option, path])).toBe(2);
    expect(output.stderr()).toBe(`immich-people: ${option} ${path}: the folder /missing does not exist\n`);
    expect(existsSync(db)).toBe(false);
  });

  it.skipIf(!HAS_FIXTURES || !HAS_MODELS)('writes --json whole, through a temporary file beside it', async () => {
    const dir = tempDir();
    captureOutput();
    const json = join(dir, 'people.json');
    expect(await scanCommand([fixture('people/obama'), '--db', join(dir, 'people.db'), '--json', json])).toBe(0);
    const library = JSON.parse(readFileSync(json, 'utf8')) as LibraryJson;
    expect(library.images.length).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
