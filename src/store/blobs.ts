/** float32 vectors as little-endian blobs (the machine's order; x86 and arm64 are both little-endian). */
export function toBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function fromBlob(blob: Buffer | Uint8Array): Float32Array {
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}

/** The blob's floats copied into `target` (one copy, e.g. a row of a shared matrix); null when the lengths differ. */
export function blobInto(blob: Buffer | Uint8Array, target: Float32Array): Float32Array | null {
  if (blob.byteLength !== target.byteLength) return null;
  new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(blob);
  return target;
}
