import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLockError, takeRunLock } from '../../src/store/run-lock.js';

const storeIn = () => join(mkdtempSync(join(tmpdir(), 'run-lock-')), 'people.db');

describe('takeRunLock', () => {
  it('refuses a second holder of one store until the first releases it', () => {
    const store = storeIn();
    const first = takeRunLock(store);
    expect(() => takeRunLock(store)).toThrow(RunLockError);
    expect(() => takeRunLock(store)).toThrow(`${store}.run-lock`);
    first.release();
    const second = takeRunLock(store);
    second.release();
  });

  it('lets sidecars of different stores run side by side', () => {
    const a = takeRunLock(storeIn());
    const b = takeRunLock(storeIn());
    a.release();
    b.release();
  });
});
