/**
 * Runs `run` on consecutive chunks of at most `size` items, one after another, and returns its results in order: a
 * model call per chunk, so onnxruntime never holds more than one chunk's activations.
 */
export async function inChunks<T, R>(
  items: readonly T[],
  size: number,
  run: (chunk: readonly T[]) => Promise<R[]>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size)
    results.push(...(await run(items.slice(start, start + size))));
  return results;
}
