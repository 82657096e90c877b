/**
 * Frees the pixels of photos no longer referenced, before a new photo is decoded, when node was started with
 * `--expose-gc` (npm start, the container, `npm run bench` and the test workers are; the linked command is not, and
 * then this does nothing).
 *
 * A decoded 1440-px preview is a 9.3 MB buffer outside V8's heap, held by a small object inside it, and V8 frees the
 * buffer only when it collects that object: left to itself it collects once the outside memory has grown by ~64 MB,
 * so six or seven dead photos wait, and glibc keeps the memory they used. A minor collection (a scavenge: it visits
 * only the objects made since the last one, ~0.3 ms here) before each decode frees a photo dropped before the
 * previous decode, so at most two dead photos wait. Measured on the 2-core EPYC with the heap flag: the bench's two
 * workers peaked at 314–340 MB instead of 378–421; `scan` of 156 previews, which decodes photos ahead of the models
 * (so more of them live long enough to need a full collection), at 316–354 MB instead of 328–360 (medians 330 and
 * 345); neither slower (docs/perception-speed.md, "Dead photos freed before each decode").
 */
export type CollectGarbage = (options: { type: 'minor' | 'major' }) => void;

export function freeUnusedPixels(): void {
  (globalThis as { gc?: CollectGarbage }).gc?.({ type: 'minor' });
}
