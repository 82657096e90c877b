/** heic-decode (libheif compiled to wasm) ships no types: the part of its API we use. */
declare module 'heic-decode' {
  interface DecodedHeic {
    width: number;
    height: number;
    /** RGBA, 8 bits per channel, with the container's rotation and mirroring (irot, imir) applied. */
    data: Uint8ClampedArray;
  }
  function decode(input: { buffer: Uint8Array }): Promise<DecodedHeic>;
  export default decode;
}
