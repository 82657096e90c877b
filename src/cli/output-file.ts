import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { constants, createWriteStream, type WriteStream } from 'node:fs';
import { access, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { UsageError } from './command-runner.js';

/**
 * Checks, before any work starts, that an output file can be written: its folder exists and is writable, and the path
 * is not a folder. Returns the absolute path. `option` names the flag in the message (`--out`).
 */
export async function checkOutputPath(path: string, option: string): Promise<string> {
  const full = resolve(path);
  const folder = dirname(full);
  const folderInfo = await stat(folder).catch(() => null);
  if (!folderInfo?.isDirectory()) throw new UsageError(`${option} ${path}: the folder ${folder} does not exist`);
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new UsageError(`${option} ${path}: the folder ${folder} is not writable`);
  }
  if ((await stat(full).catch(() => null))?.isDirectory()) throw new UsageError(`${option} ${path}: is a folder`);
  return full;
}

/** A hidden file beside `path`: the same folder, so the final rename stays on one file system and is atomic. */
function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `text` to `path` whole or not at all: a kill mid-write leaves the old file (or none), never a truncated one. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A file written as a stream into a temporary file, which becomes `path` only on commit(). */
export class AtomicFileStream {
  readonly stream: WriteStream;
  private readonly temporary: string;

  constructor(private readonly path: string) {
    this.temporary = temporaryPathFor(path);
    this.stream = createWriteStream(this.temporary);
    // kept in stream.errored and raised by writeLine/commit; without a listener it would crash the process
    this.stream.on('error', () => undefined);
  }

  async commit(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
    await rename(this.temporary, this.path);
  }

  async abort(): Promise<void> {
    // the file is opened asynchronously: removed before the stream has closed, an open still under way creates it
    // again after the removal (seen under load in CI)
    if (!this.stream.closed) {
      const closed = new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
      this.stream.destroy();
      await closed;
    }
    await rm(this.temporary, { force: true });
  }
}

/**
 * Writes one line, waiting for 'drain' when the stream's buffer is full. events.once removes both its 'drain' and its
 * 'error' listener whichever fires, so a long run adds no listeners (no MaxListenersExceededWarning).
 */
export async function writeLine(stream: Writable, line: string): Promise<void> {
  if (stream.errored) throw stream.errored;
  if (!stream.write(line)) await once(stream, 'drain');
}
