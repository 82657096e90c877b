import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FolderSource } from '../../src/hosts/folder/source.js';
import type { Host, PeopleEditor, UserEdits } from '../../src/ports.js';
import { Engine } from '../../src/service/engine.js';
import { Store } from '../../src/store/store.js';
import { RecordedPerception } from '../fakes/perception/index.js';
import { fixture, HAS_FIXTURES } from '../helpers/fixtures.js';

/** A host that records which photos it was asked to read labels of, and fails its read while `failing`. */
class RecordingHost implements Host<null, null> {
  readonly mode = 'manage' as const;
  readonly reads: string[][] = [];
  failing = false;

  async readUserEdits(unread: readonly string[], _editor: PeopleEditor): Promise<UserEdits<null>> {
    this.reads.push([...unread]);
    if (this.failing) throw new Error('the host did not answer');
    return { relabelled: false, summary: null };
  }

  async apply(): Promise<null> {
    return null;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

describe.skipIf(!HAS_FIXTURES)('the user’s labels of analysed photos are read once, even after a failed read', () => {
  let perception: RecordedPerception;
  beforeAll(() => {
    perception = new RecordedPerception();
  });

  it('gives the host every analysed photo not read yet: a failed read leaves them for the next cycle', async () => {
    const library = tempDir('labels-library-');
    cpSync(fixture('people/obama'), join(library, 'obama'), { recursive: true });
    const store = Store.open(join(tempDir('labels-db-'), 'people.db'));
    try {
      const engine = new Engine(store, perception, { concurrency: 2, indexPath: null });
      const source = new FolderSource(library);
      const host = new RecordingHost();
      host.failing = true;
      await expect(engine.cycle(source, host)).rejects.toThrow('the host did not answer');
      const analysed = store.assets.list('folder').map((a) => a.sourceId);
      expect(analysed.length).toBeGreaterThan(1);
      expect(host.reads).toEqual([analysed]);

      // the next cycle analyses nothing, and still asks for the labels the failed read never stored
      host.failing = false;
      const next = await engine.cycle(source, host);
      expect(next.analysed).toBe(0);
      expect(host.reads[1]).toEqual(analysed);

      // read once: the cycle after asks for none
      await engine.cycle(source, host);
      expect(host.reads[2]).toEqual([]);
      expect(store.assets.awaitingUserEdits('folder')).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('a scan with no host leaves nothing awaiting a read', async () => {
    const library = tempDir('labels-library-');
    cpSync(fixture('people/obama'), join(library, 'obama'), { recursive: true });
    const store = Store.open(join(tempDir('labels-db-'), 'people.db'));
    try {
      const summary = await new Engine(store, perception, { concurrency: 2, indexPath: null }).cycle(
        new FolderSource(library),
        null,
      );
      expect(summary.analysed).toBeGreaterThan(1);
      expect(store.assets.awaitingUserEdits('folder')).toEqual([]);
    } finally {
      store.close();
    }
  });
});
