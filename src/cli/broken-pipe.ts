/**
 * Ends the process quietly (exit 0) when the reader of `stream` goes away, as in `immich-people people list | head -1`:
 * the reader has what it wanted. Any other error on the stream is still raised.
 */
export function endQuietlyOnBrokenPipe(
  stream: NodeJS.WritableStream,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') exit(0);
    else throw error;
  });
}
