import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderSource } from '../../../src/hosts/folder/source.js';
import { walkImages, type WalkFileSystem } from '../../../src/hosts/folder/walk.js';

const isRoot = process.getuid?.() === 0;

/** A folder with two photos (one in a sub-folder) and whatever `extra` adds. */
function folder(extra: (dir: string) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'walk-'));
  writeFileSync(join(dir, 'a.jpg'), 'not really a jpeg');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'b.jpg'), 'not really a jpeg');
  extra(dir);
  return dir;
}

/** The real file system, except that reading `unreadable` fails as it would for a user without permission. */
const failingReaddir = (unreadable: string): WalkFileSystem => ({
  readdir: async (dir) => {
    if (dir === unreadable) throw new Error(`EACCES: permission denied, scandir '${dir}'`);
    return readdir(dir, { withFileTypes: true });
  },
  stat: (path) => stat(path),
});

describe('walkImages: bad entries are skipped with a reason, never opened, and the walk goes on', () => {
  it('skips a FIFO, in a folder and named explicitly, without opening it (opening one blocks forever)', async () => {
    const dir = folder((d) => execFileSync('mkfifo', [join(d, 'pipe.jpg')]));
    const walked = await walkImages([dir]);
    expect(walked.files).toEqual([join(dir, 'a.jpg'), join(dir, 'sub', 'b.jpg')]);
    expect(walked.skipped).toEqual([{ path: join(dir, 'pipe.jpg'), reason: expect.stringContaining('a FIFO') }]);

    const explicit = await walkImages([join(dir, 'pipe.jpg'), join(dir, 'a.jpg')]);
    expect(explicit.files).toEqual([join(dir, 'a.jpg')]);
    expect(explicit.skipped).toEqual([{ path: join(dir, 'pipe.jpg'), reason: expect.stringContaining('a FIFO') }]);
  });

  it('skips a broken link and a link to a folder, and takes a link to a photo', async () => {
    const dir = folder((d) => {
      symlinkSync(join(d, 'gone.jpg'), join(d, 'broken.jpg'));
      symlinkSync(join(d, 'sub'), join(d, 'loop'));
      symlinkSync(join(d, 'a.jpg'), join(d, 'link.jpg'));
    });
    const walked = await walkImages([dir]);
    expect(walked.files).toEqual([join(dir, 'a.jpg'), join(dir, 'link.jpg'), join(dir, 'sub', 'b.jpg')]);
    expect(walked.skipped).toEqual([
      { path: join(dir, 'broken.jpg'), reason: expect.stringContaining('a broken link') },
      { path: join(dir, 'loop'), reason: 'a link to a folder: not followed' },
    ]);
  });

  it('skips a folder it cannot read and lists the rest (provoked without permissions, which root ignores)', async () => {
    const dir = folder((d) => {
      mkdirSync(join(d, 'locked'));
      writeFileSync(join(d, 'locked', 'c.jpg'), 'x');
    });
    const walked = await walkImages([dir], failingReaddir(join(dir, 'locked')));
    expect(walked.files).toEqual([join(dir, 'a.jpg'), join(dir, 'sub', 'b.jpg')]);
    expect(walked.skipped).toEqual([
      { path: join(dir, 'locked'), reason: expect.stringMatching(/^cannot read the folder: EACCES/) },
    ]);
  });

  it.skipIf(isRoot)(
    'skips a folder whose permissions forbid reading it (chmod 000; root reads it anyway)',
    async () => {
      const dir = folder((d) => mkdirSync(join(d, 'locked')));
      chmodSync(join(dir, 'locked'), 0o000);
      try {
        const walked = await walkImages([dir]);
        expect(walked.files).toHaveLength(2);
        expect(walked.skipped.map((s) => s.path)).toEqual([join(dir, 'locked')]);
      } finally {
        chmodSync(join(dir, 'locked'), 0o755);
      }
    },
  );

  it('fails for a path that does not exist', async () => {
    await expect(walkImages([join(tmpdir(), 'no-such-folder-here')])).rejects.toThrow('no such file or folder');
  });
});

describe('FolderSource.list: only a present, readable, non-empty root makes a complete listing', () => {
  it('an empty root (an unmounted drive) lists nothing and is not complete', async () => {
    const listing = await new FolderSource(mkdtempSync(join(tmpdir(), 'empty-'))).list();
    expect(listing.assets).toEqual([]);
    expect(listing.complete).toBe(false);
  });

  it('a missing root is an error, an unreadable root too', async () => {
    await expect(new FolderSource(join(tmpdir(), 'no-such-folder-here')).list()).rejects.toThrow('is not there');
    const dir = folder();
    await expect(new FolderSource(dir, failingReaddir(dir)).list()).rejects.toThrow('cannot read the folder');
  });

  it('names what it skipped relative to the root and leaves what it could not see unlisted', async () => {
    const dir = folder((d) => {
      mkdirSync(join(d, 'locked'));
      execFileSync('mkfifo', [join(d, 'sub', 'pipe.jpg')]);
    });
    const listing = await new FolderSource(dir, failingReaddir(join(dir, 'locked'))).list();
    expect(listing.assets.map((a) => a.id)).toEqual(['a.jpg', 'sub/b.jpg']);
    expect(listing.complete).toBe(true);
    expect(listing.skipped?.map((s) => s.path)).toEqual(['locked', 'sub/pipe.jpg']);
    expect(listing.unlisted).toEqual(['locked', 'sub/pipe.jpg']);
  });
});
