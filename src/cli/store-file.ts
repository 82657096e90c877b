import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { Store } from '../store/store.js';
import { CliError } from './command-runner.js';

/** The --db option of every command that uses the store. */
export const DB_OPTION = ['--db <file>', 'the store (default: IMMICH_PEOPLE_DB, else immich-people.db)'] as const;

/** The store file: --db, else the configured one (IMMICH_PEOPLE_DB, else immich-people.db here). */
export function storePath(db: string | undefined): string {
  return resolve(db ?? loadConfig().store.path);
}

/**
 * Opens a store that must already exist: commands that read or edit people never create one, so a mistyped --db is an
 * error rather than an empty answer.
 */
export function openExistingStore(db: string | undefined): Store {
  const path = storePath(db);
  if (!existsSync(path)) {
    throw new CliError(`no store at ${path}: scan a folder first (immich-people scan <dir>), or point --db at one`, 1);
  }
  return Store.open(path);
}

/** Runs `work` on an existing store and closes it whatever happens. */
export async function withExistingStore<T>(db: string | undefined, work: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openExistingStore(db);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
