import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, HAS_FIXTURES, HAS_MODELS } from '../helpers/fixtures.js';
import { cliArgv } from '../helpers/run-cli.js';

/**
 * The README promises that nothing leaves the machine. onnxruntime-node's native code (not JavaScript, so no JS hook
 * can see it) starts a telemetry uploader: it resolves mobile.events.data.microsoft.com and keeps a device id and an
 * event queue under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/. These tests run the real CLI in a network
 * namespace with no interfaces (`unshare --net`: any packet attempt fails) under `strace -f`, and assert on the
 * recorded system calls of every thread and child process, and on the fresh home folder afterwards.
 */

const TRACED_CALLS = 'trace=connect,sendto,sendmsg,sendmmsg';

function canTrace(): boolean {
  const probe = spawnSync('unshare', ['--net', 'strace', '-f', '-qq', '-o', '/dev/null', 'true'], { stdio: 'ignore' });
  return probe.status === 0;
}
const TRACEABLE = canTrace();
if (!TRACEABLE) {
  console.warn(
    '[skip] "unshare --net strace" is not usable here (needs util-linux, strace and root): the no-network test is skipped',
  );
}

/** A system-call line that reaches for the network: a non-loopback address, any DNS port, or the telemetry host. */
function isOutboundAttempt(line: string): boolean {
  if (/htons\(53\)/.test(line)) return true;
  if (/\\6events\\4data|events\.data\.microsoft/.test(line)) return true;
  if (!/sa_family=AF_INET6?\b/.test(line)) return false;
  const loopback = /inet_addr\("127\.|"::1"|"::ffff:127\./.test(line);
  return !loopback;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name));
}

interface TracedRun {
  status: number | null;
  stderr: string;
  outbound: string[];
}

/** Runs the CLI as a user would, with a fresh home and no CI markers (onnxruntime stays quiet on CI runners). */
function runTraced(args: readonly string[], home: string, work: string): TracedRun {
  const trace = join(work, `strace-${args[0]}.txt`);
  const result = spawnSync(
    'unshare',
    ['--net', 'strace', '-f', '-qq', '-e', TRACED_CALLS, '-o', trace, ...cliArgv(args)],
    {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: home, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 150_000,
    },
  );
  const lines = existsSync(trace) ? readFileSync(trace, 'utf8').split('\n') : [];
  return { status: result.status, stderr: result.stderr, outbound: lines.filter(isOutboundAttempt) };
}

describe('outbound-attempt classification', () => {
  it('flags DNS, the telemetry host and public addresses, not loopback or local sockets', () => {
    expect(
      isOutboundAttempt(
        '31047 connect(23, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = -1 ENETUNREACH',
      ),
    ).toBe(true);
    expect(
      isOutboundAttempt('31046 sendto(24, "\\247c\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\6mobile\\6events\\4data\\t"..., 50'),
    ).toBe(true);
    expect(
      isOutboundAttempt(
        '9 connect(5, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("13.69.109.130")}, 16)',
      ),
    ).toBe(true);
    expect(
      isOutboundAttempt('9 connect(5, {sa_family=AF_INET, sin_port=htons(3031), sin_addr=inet_addr("127.0.0.1")}, 16)'),
    ).toBe(false);
    expect(isOutboundAttempt('9 connect(23, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1')).toBe(
      false,
    );
  });
});

describe.skipIf(!HAS_FIXTURES || !HAS_MODELS || !TRACEABLE)('nothing leaves the machine', () => {
  it('detect and scan attempt no lookup or connection and leave no telemetry store in the home folder', () => {
    const home = mkdtempSync(join(tmpdir(), 'privacy-home-'));
    const work = mkdtempSync(join(tmpdir(), 'privacy-work-'));

    const detect = runTraced(
      ['detect', fixture('groups/two_people.jpg'), fixture('no_face/cat.jpg'), '--out', join(work, 'faces.jsonl')],
      home,
      work,
    );
    expect(detect.status, detect.stderr).toBe(0);
    // the models really ran: onnxruntime was initialised, so its telemetry had its chance
    expect(readFileSync(join(work, 'faces.jsonl'), 'utf8')).toContain('"landmarks"');

    const scan = runTraced(['scan', fixture('people/obama'), '--db', join(work, 'people.db')], home, work);
    expect(scan.status, scan.stderr).toBe(0);

    expect(detect.outbound).toEqual([]);
    expect(scan.outbound).toEqual([]);
    expect(existsSync(join(home, '.cache', 'Microsoft'))).toBe(false);
    expect(filesUnder(home)).toEqual([]);
  }, 300_000);
});
