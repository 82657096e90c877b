import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/command-runner.js';
import { AtomicFileStream, checkOutputPath, writeFileAtomic, writeLine } from '../../src/cli/output-file.js';
import { endQuietlyOnBrokenPipe } from '../../src/cli/broken-pipe.js';
import { tempDir } from './cli-helpers.js';

/** A stream that takes one chunk at a time, later: its buffer is full after every write. */
function slowStream(): Writable {
  return new Writable({
    highWaterMark: 1,
    write(_chunk, _encoding, callback) {
      setImmediate(callback);
    },
  });
}

describe('writeLine', () => {
  it('adds no listener per full buffer (no MaxListenersExceededWarning over thousands of photos)', async () => {
    const stream = slowStream();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    let mostErrorListeners = 0;
    let mostDrainListeners = 0;
    try {
      for (let i = 0; i < 200; i++) {
        await writeLine(stream, `line ${i}\n`);
        mostErrorListeners = Math.max(mostErrorListeners, stream.listenerCount('error'));
        mostDrainListeners = Math.max(mostDrainListeners, stream.listenerCount('drain'));
      }
    } finally {
      process.off('warning', onWarning);
    }
    expect(mostErrorListeners).toBeLessThanOrEqual(1);
    expect(mostDrainListeners).toBe(0);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('rejects when the stream fails while the line waits for drain', { timeout: 5000 }, async () => {
    const stream = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, callback) {
        setImmediate(() => callback(new Error('disk full')));
      },
    });
    stream.on('error', () => undefined);
    await expect(writeLine(stream, 'a line\n')).rejects.toThrow('disk full');
    await expect(writeLine(stream, 'another\n')).rejects.toThrow('disk full');
  });
});

describe('checkOutputPath', () => {
  it('refuses, as a usage error, a missing folder or a path that is a folder', async () => {
    const dir = tempDir();
    await expect(checkOutputPath('/missing/x.jsonl', '--out')).rejects.toThrow(
      new UsageError('--out /missing/x.jsonl: the folder /missing does not exist'),
    );
    mkdirSync(join(dir, 'sub'));
    await expect(checkOutputPath(join(dir, 'sub'), '--json')).rejects.toBeInstanceOf(UsageError);
    await expect(checkOutputPath(join(dir, 'x.json'), '--json')).resolves.toBe(join(dir, 'x.json'));
  });
});

describe('atomic writes', () => {
  it('writeFileAtomic replaces the file whole and leaves no temporary file', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new contents\n');
    expect(readFileSync(path, 'utf8')).toBe('new contents\n');
    expect(readdirSync(dir)).toEqual(['out.json']);
  });

  it('AtomicFileStream shows nothing at the path until commit, and abort leaves the old file', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.jsonl');
    const file = new AtomicFileStream(path);
    await writeLine(file.stream, 'one\n');
    expect(existsSync(path)).toBe(false);
    await file.commit();
    expect(readFileSync(path, 'utf8')).toBe('one\n');

    const interrupted = new AtomicFileStream(path);
    await writeLine(interrupted.stream, 'half of a');
    await interrupted.abort();
    expect(readFileSync(path, 'utf8')).toBe('one\n');
    expect(readdirSync(dir)).toEqual(['out.jsonl']);
  });
});

describe('endQuietlyOnBrokenPipe', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('exits 0 when the reader goes away (EPIPE), and raises any other error', () => {
    const stream = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    const exit = vi.fn();
    endQuietlyOnBrokenPipe(stream, exit);
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exit).toHaveBeenCalledWith(0);
    expect(() => stream.emit('error', Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toThrow('no space');
  });
});
