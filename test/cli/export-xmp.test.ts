import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { peopleCommand } from '../../src/cli/people.js';
import { scannedLibrary } from '../helpers/folder-library.js';
import { Store } from '../../src/store/store.js';
import { captureOutput, peopleStore, tempDir } from './cli-helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('immich-people people export-xmp', () => {
  it('says how many sidecars it wrote, left unchanged, removed and skipped, and why it skipped each', async () => {
    const library = await scannedLibrary();
    const output = captureOutput();
    try {
      expect(await peopleCommand(['export-xmp', '--dry-run', '--db', library.db])).toBe(0);
      expect(await peopleCommand(['export-xmp', '--db', library.db])).toBe(0);
      expect(await peopleCommand(['export-xmp', '--db', library.db])).toBe(0);
      writeFileSync(join(library.root, 'b.jpg.xmp'), '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n');
      expect(await peopleCommand(['name', 'p3', 'Cleo', '--db', library.db])).toBe(0);
      expect(await peopleCommand(['export-xmp', '--db', library.db])).toBe(0);
      expect(output.stdout().split('\n')).toEqual([
        'dry run, nothing written: would write 3 sidecars (3 new, 0 updated); 0 unchanged, 0 to remove, 0 skipped',
        'wrote 3 sidecars (3 new, 0 updated); 0 unchanged, 0 removed, 0 skipped',
        'wrote 0 sidecars (0 new, 0 updated); 3 unchanged, 0 removed, 0 skipped',
        'named p3 "Cleo"',
        'wrote 2 sidecars (1 new, 1 updated); 1 unchanged, 0 removed, 1 skipped',
        `skipped ${join(library.root, 'b.jpg.xmp')}: a sidecar immich-people did not write (or one changed since) is ` +
          'there: left as it is',
        '',
      ]);
      expect(output.stderr()).toBe('');
    } finally {
      rmSync(join(library.root, '..'), { recursive: true, force: true });
    }
  });

  it('skips folder photos from before libraries, which have no folder to write beside', async () => {
    const { db } = peopleStore(); // Ann's 3 photos and Bob's 2, in no library
    const output = captureOutput();
    expect(await peopleCommand(['export-xmp', '--db', db])).toBe(0);
    const lines = output.stdout().split('\n');
    expect(lines[0]).toBe('wrote 0 sidecars (0 new, 0 updated); 0 unchanged, 0 removed, 5 skipped');
    expect(lines[1]).toBe(
      'skipped p12/photo_0.jpg.xmp: the store does not know which folder this photo is in: scan its folder again',
    );
    expect(lines).toHaveLength(7);
  });

  it('has nothing to do on a store of Immich photos', async () => {
    const db = join(tempDir('export-xmp-'), 'immich.db');
    const store = Store.open(db);
    store.assets.upsert({
      source: 'immich',
      sourceId: 'a1',
      contentHash: 'x',
      capturedAt: null,
      latitude: null,
      longitude: null,
    });
    store.close();
    const output = captureOutput();
    expect(await peopleCommand(['export-xmp', '--db', db])).toBe(0);
    expect(output.stdout()).toBe(
      'no folder library in this store: export-xmp writes sidecars beside the photos of a scanned folder\n',
    );
  });
});
