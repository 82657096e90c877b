/** A one-line progress bar on stderr, shown only when stderr is a terminal. */
export class Progress {
  private readonly enabled: boolean;
  private readonly started = performance.now();

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = Boolean(stream.isTTY) && total > 0;
  }

  update(done: number, label = ''): void {
    if (!this.enabled) return;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const seconds = (performance.now() - this.started) / 1000;
    const rate = done > 0 ? (done / seconds).toFixed(1) : '0.0';
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total} ${rate} img/s ${label}`;
    this.stream.write(
      `\r${line.slice(0, (this.stream.columns ?? 100) - 1).padEnd(Math.min(this.stream.columns ?? 100, 100) - 1)}`,
    );
  }

  done(): void {
    if (this.enabled) this.stream.write('\n');
  }
}
