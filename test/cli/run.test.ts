import { Permission } from '@immich/sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../src/cli/run.js';
import { loadConfig } from '../../src/config/load.js';
import { requiredPermissions } from '../../src/hosts/immich/connection.js';
import { takeRunLock } from '../../src/store/run-lock.js';
import { startFakeImmich, type RunningFakeImmich } from '../fakes/immich/index.js';
import { fixture, HAS_FIXTURES, HAS_MODELS } from '../helpers/fixtures.js';

let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
  vi.restoreAllMocks();
});

function captureStderr(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return lines;
}

const freshDb = () => join(mkdtempSync(join(tmpdir(), 'run-')), 'p.db');

/** A fake Immich of that version holding three photos of one person, ready to be read. */
async function immichWithObama(version: string): Promise<RunningFakeImmich> {
  const running = startFakeImmich({
    version,
    photos: Object.fromEntries(
      ['obama_1', 'obama_2', 'obama_3'].map((name) => [name, fixture(`people/obama/${name}.jpg`)]),
    ),
  });
  await running.fake.ready();
  return running;
}

const configFor = (running: RunningFakeImmich) =>
  loadConfig({ env: { IMMICH_URL: 'http://immich.test', IMMICH_API_KEY: running.apiKey, IMMICH_PEOPLE_PORT: '0' } });

describe('immich-people run', () => {
  it('asks for IMMICH_URL and IMMICH_API_KEY when they are missing', async () => {
    const stderr = captureStderr();
    expect(await runCommand(['--once'], { config: loadConfig({ env: {} }) })).toBe(2);
    expect(stderr.join('')).toMatch(/IMMICH_URL and IMMICH_API_KEY/);
  });

  it('refuses --readopt with --accept-deletions: the user must say which it was', async () => {
    const stderr = captureStderr();
    expect(await runCommand(['--once', '--readopt', '--accept-deletions'], { config: loadConfig({ env: {} }) })).toBe(
      2,
    );
    expect(stderr.join('')).toMatch(/--readopt and --accept-deletions exclude each other/);
  });

  it('prints exactly the missing permissions and stops, never showing the key', async () => {
    immich = startFakeImmich({ version: '3.2.2' });
    immich.fake.setPermissions(requiredPermissions('manage', false).filter((p) => p !== Permission.PersonCreate));
    const stderr = captureStderr();
    expect(
      await runCommand(['--once', '--db', freshDb()], {
        config: configFor(immich),
      }),
    ).toBe(1);
    const text = stderr.join('');
    expect(text).toMatch(/lacks these permissions: person\.create\./);
    expect(text).not.toContain(immich.apiKey);
  });

  it.skipIf(!HAS_FIXTURES || !HAS_MODELS)('does one full cycle with --once and exits 0', async () => {
    immich = await immichWithObama('2.5.6');
    captureStderr();
    const db = freshDb();
    expect(await runCommand(['--once', '--db', db], { config: configFor(immich) })).toBe(0);
    expect(immich.fake.people()).toHaveLength(1);
    expect(immich.fake.facesOfPerson(immich.fake.people()[0].id)).toHaveLength(3);
  });

  it.skipIf(!HAS_FIXTURES || !HAS_MODELS)(
    'writes nothing while another run holds the store, and runs once that one has ended',
    async () => {
      immich = await immichWithObama('2.5.6');
      const stderr = captureStderr();
      const db = freshDb();
      const other = takeRunLock(db); // a sidecar already running on this store
      expect(await runCommand(['--once', '--db', db], { config: configFor(immich) })).toBe(1);
      expect(stderr.join('')).toContain('another immich-people run is using this store');
      expect(immich.fake.writes()).toEqual([]);
      other.release();
      expect(await runCommand(['--once', '--db', db], { config: configFor(immich) })).toBe(0);
      expect(immich.fake.facesOfPerson(immich.fake.people()[0].id)).toHaveLength(3);
    },
  );

  it.skipIf(!HAS_FIXTURES || !HAS_MODELS)(
    "stops on a permission revoked mid-run, printing Immich's reason",
    async () => {
      immich = await immichWithObama('3.2.2');
      const stderr = captureStderr();
      const running = immich;
      const db = freshDb();
      const onWrite = () => running.fake.revoke(Permission.FaceCreate); // after the start-up check, before any face
      expect(await runCommand(['--once', '--db', db], { config: configFor(immich), onWrite })).toBe(1);
      expect(stderr.join('')).toContain('create face: Immich answered 403: Missing required permission: face.create');
    },
  );
});
