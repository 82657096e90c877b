/**
 * Hard "never together" rules shared by every clustering pass:
 * - two observations from the same image never share a cluster (a person appears once per photo);
 * - user cannot-links (a rejected merge suggestion, "this is not X") are never violated.
 * Both become one conflict graph over observations, stored as CSR adjacency (offsets/targets).
 */

/** Two observation indices. Order does not matter. */
export type ObservationPair = readonly [number, number];

/** Symmetric adjacency: the conflicts of observation i are `targets[offsets[i] .. offsets[i+1])`. */
export interface ConflictGraph {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

/**
 * Builds the conflict graph. `image[i]` is the image of observation i; negative means unknown (no
 * same-image conflicts). An image with f observations adds f*(f-1) entries, so a 100-face group photo
 * costs 9,900 entries. Self pairs are ignored; out-of-range indices throw.
 */
export function buildConflictGraph(
  count: number,
  image: Int32Array | null,
  cannotLink: readonly ObservationPair[] = [],
): ConflictGraph {
  if (image !== null && image.length !== count) {
    throw new RangeError(`image has ${image.length} entries, expected ${count}`);
  }
  const degree = new Int32Array(count);
  // Observations grouped by image, through a sorted permutation (typed arrays, no per-item objects).
  let byImage = new Int32Array(0);
  if (image !== null) {
    let known = 0;
    for (let i = 0; i < count; i++) if (image[i] >= 0) known++;
    byImage = new Int32Array(known);
    known = 0;
    for (let i = 0; i < count; i++) if (image[i] >= 0) byImage[known++] = i;
    byImage.sort((a, b) => image[a] - image[b] || a - b);
    forEachGroup(byImage, image, (start, end) => {
      for (let p = start; p < end; p++) degree[byImage[p]] += end - start - 1;
    });
  }
  for (const [a, b] of cannotLink) {
    checkIndex(a, count);
    checkIndex(b, count);
    if (a === b) continue;
    degree[a]++;
    degree[b]++;
  }
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) offsets[i + 1] = offsets[i] + degree[i];
  const targets = new Int32Array(offsets[count]);
  const fill = offsets.slice(0, count);
  if (image !== null) {
    forEachGroup(byImage, image, (start, end) => {
      for (let p = start; p < end; p++) {
        const x = byImage[p];
        for (let q = start; q < end; q++) if (q !== p) targets[fill[x]++] = byImage[q];
      }
    });
  }
  for (const [a, b] of cannotLink) {
    if (a === b) continue;
    targets[fill[a]++] = b;
    targets[fill[b]++] = a;
  }
  return { offsets, targets };
}

function forEachGroup(sorted: Int32Array, key: Int32Array, visit: (start: number, end: number) => void): void {
  let start = 0;
  while (start < sorted.length) {
    let end = start + 1;
    while (end < sorted.length && key[sorted[end]] === key[sorted[start]]) end++;
    if (end - start > 1) visit(start, end);
    start = end;
  }
}

function checkIndex(i: number, count: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`observation index ${i} out of range`);
}
