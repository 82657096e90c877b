import { z } from 'zod';
import { cpuBudget } from './cpu-budget.js';

/**
 * The engine puts photos through the models one at a time (decoding runs beside it), so a model's own threads are
 * what puts a second core to work on inference. On the 2-core EPYC, `scan` of 156 1440-px previews (faces and
 * bodies) took 21.2–22.4 s with one thread and 17.3–18.8 s with two, the same people found (three runs each,
 * alternating; docs/perception-speed.md). More than four was not measured. The small models (UltraFace, the
 * landmarks) run on one thread whatever this says (MODEL_TUNING in src/models/session.ts). A container's CPU quota
 * counts (cpuBudget): two threads under a 1-CPU quota are throttled, and were slower than one.
 */
export const DEFAULT_INTRA_OP_THREADS = Math.min(cpuBudget(), 4);

/** Every threshold is named here with the fixture measurement behind its default (see the perception files). */
export const ConfigSchema = z.strictObject({
  store: z
    .strictObject({
      /** The SQLite store; its HNSW caches are written beside it. */
      path: z.string().default('immich-people.db'),
    })
    .prefault({}),
  immich: z
    .strictObject({
      /** Immich's address, with or without /api (IMMICH_URL). */
      url: z.string().optional(),
      /** An API key of the user whose library is managed (IMMICH_API_KEY). Never logged. */
      apiKey: z.string().optional(),
      /** manage: create people and faces in Immich; suggest: only propose merges and people, never write. */
      mode: z.enum(['manage', 'suggest']).default('manage'),
      /** A machine-made person goes to Immich at this many clear faces: Immich's own minFaces default, below which it hides unnamed people. */
      minFaces: z.number().int().min(1).default(3),
      /** Also tag photos People/<Name> (rewrites XMP sidecars; off by default). */
      tags: z.boolean().default(false),
      pollSeconds: z.number().int().min(10).default(300),
      /** Local time of the nightly full re-cluster, HH:MM. */
      reclusterAt: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
        .default('03:00'),
      /** Previews downloaded and decoded at once. */
      downloads: z.number().int().min(1).max(16).default(3),
    })
    .prefault({}),
  server: z
    .strictObject({
      /** Port of /health, /status and /metrics; 0 turns the endpoint off. */
      port: z.number().int().min(0).max(65535).default(3031),
      /**
       * Address it listens on. Loopback by default: /status tells anyone who can reach it how big the library is and
       * when it syncs. The image sets 0.0.0.0 (IMMICH_PEOPLE_HOST): compose's port mapping and the other containers
       * reach it on the container's own address, not its loopback.
       */
      host: z.string().min(1).default('127.0.0.1'),
    })
    .prefault({}),
  models: z
    .strictObject({
      /** Folder of fetched model files; relative paths resolve against the package root. */
      dir: z.string().default('models'),
      /** ONNX Runtime threads per session of a model large enough to split (see DEFAULT_INTRA_OP_THREADS). */
      intraOpThreads: z.number().int().min(1).max(64).default(DEFAULT_INTRA_OP_THREADS),
    })
    .prefault({}),
  perception: z
    .strictObject({
      /** Which face models: our embedded ones, or SCRFD + ArcFace files from a path (e.g. Immich's model cache). */
      faceBackend: z.enum(['embedded', 'onnx', 'immich-ml']).default('embedded'),
      immichMl: z
        .strictObject({
          /** Immich's machine-learning service, e.g. http://immich-machine-learning:3003 (IMMICH_ML_URL). */
          url: z.string().optional(),
          modelName: z.string().default('buffalo_l'),
          minScore: z.number().min(0).max(1).default(0.7),
        })
        .prefault({}),
      onnx: z
        .strictObject({
          /** Immich's model-cache volume (or any folder holding facial-recognition/<name>/{detection,recognition}/model.onnx). */
          modelCache: z.string().optional(),
          /** Model pack name inside the cache, e.g. buffalo_l. */
          modelName: z.string().default('buffalo_l'),
          minScore: z.number().min(0).max(1).default(0.7),
        })
        .prefault({}),
      detector: z
        .strictObject({
          minScore: z.number().min(0).max(1).default(0.7),
          nmsIou: z.number().min(0).max(1).default(0.3),
          tiles: z.boolean().default(true),
        })
        .prefault({}),
      bodies: z
        .strictObject({
          /** Detect upper bodies and read clothing; off, observations are faces with face-anchored torsos only. */
          enabled: z.boolean().default(true),
          minScore: z.number().min(0).max(1).default(0.35),
          nmsIou: z.number().min(0).max(1).default(0.5),
          /**
           * Upper-body descriptor: 'hsv' is the 2-stripe colour histogram (no model, ~1 ms); 'hsv+cnn' adds the centred
           * CenterNet-backbone term (AUC 0.996 vs 0.979, models.md §4.4) and needs `immich-people models body-mean`.
           */
          embedder: z.enum(['hsv', 'hsv+cnn']).default('hsv'),
        })
        .prefault({}),
      /** Decoding refuses images with more pixels than this (decompression bombs). 100 MP covers 16-bit medium format. */
      maxInputPixels: z.number().int().positive().default(100_000_000),
    })
    .prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;
