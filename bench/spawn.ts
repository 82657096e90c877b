/** Runs one task of bench/child.ts in a child process and returns its result. */
import { fork } from 'node:child_process';
import type { ChildReply, ChildRequest, PeerResult, PrepareResult } from './child.js';
import type { PeerOptions } from './peer.js';

function ask(request: ChildRequest, timeoutMs: number): Promise<PrepareResult | PeerResult> {
  const child = fork(new URL('./child.js', import.meta.url), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  // The peer logs through console; keep it off the bench's table but at hand for a failure message.
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return new Promise((resolve, reject) => {
    let reply: ChildReply | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gave up after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('message', (message: ChildReply) => (reply = message));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (reply?.ok) resolve(reply.result);
      else if (reply) reject(new Error(reply.error));
      else {
        const lines = output.trim().split('\n');
        const last = lines.find((line) => /error/i.test(line))?.trim() ?? lines.pop() ?? '';
        reject(
          new Error(`child process ended (${signal ?? `code ${code}`}) without a result${last ? `: ${last}` : ''}`),
        );
      }
    });
    child.send(request);
  });
}

export async function prepareInChild(files: string[], shortSide: number): Promise<PrepareResult> {
  const result = await ask({ task: 'prepare', files, shortSide }, 300_000);
  if (!('dir' in result)) throw new Error('the prepare task returned something else');
  return result;
}

export async function peerInChild(
  files: string[],
  options: PeerOptions,
  warmup: number,
  timeoutMs: number,
): Promise<PeerResult> {
  const result = await ask({ task: 'peer', files, options, warmup }, timeoutMs);
  if (!('analysisMs' in result)) throw new Error('the peer task returned something else');
  return result;
}
