/** Disjoint-set root lookup over a parent array, with path halving (amortised near O(1)). */
export function findRoot(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/** A parent array where every element is its own root. */
export function identityParents(count: number): Int32Array {
  const parent = new Int32Array(count);
  for (let i = 0; i < count; i++) parent[i] = i;
  return parent;
}

/**
 * Compact labels from roots: elements kept by `keep(root)` get labels 0, 1, 2… in order of their
 * smallest member index; the rest get -1. Deterministic for the same parent array.
 */
export function labelsFromRoots(parent: Int32Array, keep: (root: number) => boolean): Int32Array {
  const n = parent.length;
  const labels = new Int32Array(n);
  const rootLabel = new Int32Array(n).fill(-2);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const r = findRoot(parent, i);
    if (rootLabel[r] === -2) rootLabel[r] = keep(r) ? next++ : -1;
    labels[i] = rootLabel[r];
  }
  return labels;
}
