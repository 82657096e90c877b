/**
 * Runs the Immich sidecar's cycle in a child process (sidecar-child.ts) and drives it over IPC, one cycle at a time.
 * From TypeScript sources (vitest) the child runs through the TypeScript loader; from the build (the benchmark) it
 * runs the built sidecar-child.js beside this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WriteBackSummary } from '../../src/hosts/immich/write-back.js';
import type { SyntheticOptions } from '../fakes/perception/synthetic.js';

export interface SidecarChildConfig {
  baseUrl: string;
  apiKey: string;
  db: string;
  mode: 'manage' | 'suggest';
  minFaces: number;
  downloads: number;
  perception: SyntheticOptions;
  retry: { attempts: number; delayMs: number; timeoutMs: number };
  /** pino level of the child's log, written to its stderr (default silent). */
  logLevel?: string;
}

export interface ChildCycle {
  kind: 'cycle';
  ms: number;
  /** The child's peak resident memory so far. */
  maxRssMb: number;
  summary: {
    listed: number;
    analysed: number;
    failed: number;
    changed: number;
    writeBack: WriteBackSummary | null;
    /** Creations recorded as intents and not settled yet. */
    pendingIntents: number;
  };
}

export type ChildMessage = { kind: 'ready' } | ChildCycle | { kind: 'error'; name: string; message: string };
export type ParentMessage = { kind: 'cycle'; recluster: boolean } | { kind: 'exit' };

export class SidecarCycleError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(`${errorName}: ${message}`);
    this.name = 'SidecarCycleError';
  }
}

function childArgv(): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    const loader = new URL('./ts-loader/register.mjs', import.meta.url).href;
    return ['--import', loader, fileURLToPath(new URL('./sidecar-child.ts', import.meta.url))];
  }
  return [fileURLToPath(new URL('./sidecar-child.js', import.meta.url))];
}

export class SidecarProcess {
  private readonly child: ChildProcess;
  private readonly messages: ChildMessage[] = [];
  private waiting: (() => void) | null = null;
  /** Resolves with the exit code, or the signal that ended the child. */
  readonly exited: Promise<number | NodeJS.Signals>;
  stderr = '';

  constructor(config: SidecarChildConfig, nodeOptions: readonly string[] = []) {
    this.child = spawn(process.execPath, [...nodeOptions, ...childArgv()], {
      env: { ...process.env, SIDECAR_CHILD_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-20_000)));
    this.child.on('message', (message: ChildMessage) => {
      this.messages.push(message);
      this.waiting?.();
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        resolve(signal ?? code ?? 0);
        this.waiting?.();
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private async next(): Promise<ChildMessage> {
    for (;;) {
      const message = this.messages.shift();
      if (message) return message;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`the sidecar child ended (${this.child.signalCode ?? this.child.exitCode}): ${this.stderr}`);
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }

  /** Waits until the child has connected to Immich and opened its store. */
  async ready(): Promise<void> {
    const message = await this.next();
    if (message.kind !== 'ready') throw new Error(`the sidecar child said ${message.kind} before ready`);
  }

  /** One cycle; a cycle that failed throws SidecarCycleError with the child's error. */
  async cycle(recluster = false): Promise<ChildCycle> {
    this.child.send({ kind: 'cycle', recluster } satisfies ParentMessage);
    const message = await this.next();
    if (message.kind === 'error') throw new SidecarCycleError(message.name, message.message);
    if (message.kind !== 'cycle') throw new Error(`the sidecar child said ${message.kind} instead of a cycle`);
    return message;
  }

  /** A real SIGKILL; resolves once the child is gone. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async exit(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.send({ kind: 'exit' });
    await this.exited;
  }
}
