/**
 * The peer for the benchmark (models.md §7): @vladmandic/human 3.3.6, its node-wasm build on @tensorflow/tfjs with
 * the wasm backend, face detection (BlazeFace) + description (faceres) only. It loads its models from its own
 * models/ folder through a file:// URL and the wasm binaries from node_modules: nothing is downloaded.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RgbImage } from '../src/types.js';

/** The few parts of Human's API the bench uses. */
interface PeerTensor {
  dispose(): void;
}

interface PeerTf {
  tensor(values: Int32Array, shape: number[], dtype: 'int32'): PeerTensor;
  getBackend(): string;
}

interface PeerFace {
  score: number;
  embedding?: readonly number[];
}

interface PeerResult {
  face: readonly PeerFace[];
  error?: string | null;
}

interface PeerHuman {
  version: string;
  tf: PeerTf;
  models: { loaded(): string[] };
  load(): Promise<void>;
  detect(input: PeerTensor): Promise<PeerResult>;
}

interface HumanModule {
  Human: new (config: Record<string, unknown>) => PeerHuman;
}

export interface PeerOptions {
  /** BlazeFace score threshold (Human's default is 0.2). */
  minScore: number;
  /** Human's default is 1 face per image; a photo library needs all of them. */
  maxFaces: number;
  /** Give up loading after this long. */
  loadTimeoutMs: number;
}

export interface PeerRun {
  /** Human.detect only: the pixels are decoded and turned into a tensor before the clock starts. */
  ms: number;
  faces: number;
  /** Faces that came back with a descriptor (faceres embedding). */
  described: number;
}

export interface Peer {
  name: string;
  detail: string;
  loadMs: number;
  analyze(image: RgbImage): Promise<PeerRun>;
  close(): void;
}

type Fetch = typeof globalThis.fetch;

/** Node's fetch refuses file:// URLs, and Human loads its models through fetch: serve them from disk. */
function fileFetch(original: Fetch): Fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file://')) return original(input, init);
    const body = await readFile(fileURLToPath(url));
    const type = url.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    return new Response(body, { status: 200, headers: { 'content-type': type } });
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Loads the peer, or throws with the reason it cannot run. */
export async function loadPeer(options: PeerOptions): Promise<Peer> {
  const require = createRequire(import.meta.url);
  // The package's "exports" spell this subpath without "./", so Node cannot resolve it by name: go via the main entry.
  const humanDist = dirname(require.resolve('@vladmandic/human'));
  const modelsDir = join(dirname(humanDist), 'models');
  // The backend's node entry lives in its dist/, next to the .wasm binaries.
  const wasmPath = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
  if (!existsSync(join(wasmPath, 'tfjs-backend-wasm-simd.wasm'))) {
    throw new Error(`no tfjs wasm binaries in ${wasmPath}`);
  }
  for (const model of ['blazeface.json', 'faceres.json']) {
    if (!existsSync(join(modelsDir, model))) throw new Error(`the peer's model ${join(modelsDir, model)} is missing`);
  }

  const original = globalThis.fetch;
  globalThis.fetch = fileFetch(original);
  const close = (): void => {
    globalThis.fetch = original;
  };
  try {
    const module = require(join(humanDist, 'human.node-wasm.js')) as HumanModule;
    const off = { enabled: false };
    const human = new module.Human({
      backend: 'wasm',
      wasmPath,
      modelBasePath: pathToFileURL(join(modelsDir, '/')).href,
      debug: false,
      async: true,
      warmup: 'none',
      cacheModels: false,
      // Video-oriented caching would skip work on similar consecutive inputs: off for a photo benchmark.
      cacheSensitivity: 0,
      skipAllowed: false,
      filter: off,
      gesture: off,
      body: off,
      hand: off,
      object: off,
      segmentation: off,
      face: {
        enabled: true,
        detector: {
          rotation: false,
          maxDetected: options.maxFaces,
          minConfidence: options.minScore,
          skipFrames: 0,
          skipTime: 0,
          return: false,
        },
        mesh: off,
        iris: off,
        attention: off,
        emotion: off,
        antispoof: off,
        liveness: off,
        description: { enabled: true, skipFrames: 0, skipTime: 0 },
      },
    });
    const start = performance.now();
    await withTimeout(human.load(), options.loadTimeoutMs, 'loading the peer models');
    const loadMs = performance.now() - start;
    // Human logs a model that failed to load and carries on, to crash at the first detect: check instead.
    const missing = ['blazeface', 'faceres'].filter((m) => !human.models.loaded().includes(m));
    if (missing.length > 0) throw new Error(`the peer could not load ${missing.join(', ')} from ${modelsDir}`);
    const backend = human.tf.getBackend();
    if (backend !== 'wasm') throw new Error(`the peer runs on backend "${backend}", not wasm`);
    return {
      name: `@vladmandic/human ${human.version}`,
      detail: `tfjs ${backend} backend, BlazeFace + faceres only, minConfidence ${options.minScore}, maxDetected ${options.maxFaces}`,
      loadMs,
      async analyze(image: RgbImage): Promise<PeerRun> {
        const tensor = human.tf.tensor(Int32Array.from(image.data), [1, image.height, image.width, 3], 'int32');
        try {
          const begin = performance.now();
          const result = await human.detect(tensor);
          const ms = performance.now() - begin;
          if (result.error) throw new Error(`the peer failed: ${result.error}`);
          return { ms, faces: result.face.length, described: result.face.filter((f) => f.embedding?.length).length };
        } finally {
          tensor.dispose();
        }
      },
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}
