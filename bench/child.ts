/**
 * Child process for the bench's untimed-for-us work, so that neither changes the bench process's peak RSS:
 * re-encoding the inputs (`--resize`), and the peer, whose tfjs wasm heap only grows. The peer also gets its own
 * peak RSS this way, and a crash of it cannot take the bench down.
 */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../src/config/load.js';
import { decodeImage } from '../src/perception/image/decode.js';
import { cpuMeter } from './machine.js';
import { loadPeer, type PeerOptions } from './peer.js';
import { resizeToTemp } from './prepare.js';

export type ChildRequest =
  | { task: 'prepare'; files: string[]; shortSide: number }
  | { task: 'peer'; files: string[]; options: PeerOptions; warmup: number };

export interface PrepareResult {
  files: string[];
  enlarged: number;
  dir: string;
}

export interface PeerResult {
  name: string;
  detail: string;
  loadMs: number;
  faces: number;
  described: number;
  errors: number;
  /** Human.detect only, summed over the images. */
  analysisMs: number;
  /** CPU cores the peer's process kept busy during its timed loop, and other processes' cores meanwhile. */
  cores: number;
  otherCores: number;
  /** Peak RSS of the peer's process (models, tfjs wasm heap, one decoded image), MB of 10^6 bytes. */
  peakRssMB: number;
}

export type ChildReply = { ok: true; result: PrepareResult | PeerResult } | { ok: false; error: string };

async function peer(files: readonly string[], options: PeerOptions, warmup: number): Promise<PeerResult> {
  const maxPixels = loadConfig().perception.maxInputPixels;
  const loaded = await loadPeer(options);
  try {
    // Our own decoder, so the peer sees exactly the pixels our pipeline sees; decoding is not on the peer's clock.
    const decode = async (file: string) => decodeImage(await readFile(file), { maxPixels });
    for (const file of files.slice(0, warmup)) await loaded.analyze(await decode(file));
    const totals = { analysisMs: 0, faces: 0, described: 0, errors: 0 };
    const stop = cpuMeter();
    for (const file of files) {
      try {
        const run = await loaded.analyze(await decode(file));
        totals.analysisMs += run.ms;
        totals.faces += run.faces;
        totals.described += run.described;
      } catch {
        totals.errors++;
      }
    }
    const { wallMs, cpuMs, otherCpuMs } = stop();
    return {
      name: loaded.name,
      detail: loaded.detail,
      loadMs: loaded.loadMs,
      ...totals,
      cores: cpuMs / wallMs,
      otherCores: otherCpuMs / wallMs,
      peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6,
    };
  } finally {
    loaded.close();
  }
}

async function handle(request: ChildRequest): Promise<PrepareResult | PeerResult> {
  if (request.task === 'prepare') {
    const { files, enlarged, dir } = await resizeToTemp(request.files, request.shortSide);
    return { files, enlarged, dir };
  }
  return peer(request.files, request.options, request.warmup);
}

const send = (reply: ChildReply): void => {
  process.send?.(reply, undefined, {}, () => process.exit(0));
};

process.once('message', (request: ChildRequest) => {
  handle(request).then(
    (result) => send({ ok: true, result }),
    (error: unknown) => send({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
