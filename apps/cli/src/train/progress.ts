/**
 * The per-epoch progress bar on stderr: examples done, samples/s, running loss. On a terminal
 * it redraws one line; elsewhere (a pipe, a log file) it prints nothing until the epoch's end.
 */
export class Progress {
  private epoch = 0;
  private epochs = 0;
  private total = 0;
  private started = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** Steps between two reads of the running loss (each read waits for the GPU). */
    readonly every = 10,
  ) {}

  start(epoch: number, epochs: number, total: number): void {
    [this.epoch, this.epochs, this.total, this.started, this.drawn] = [epoch, epochs, total, performance.now(), false];
  }

  update(done: number, loss: number): void {
    if (!this.stream.isTTY) return;
    const width = 24;
    const filled = Math.round((width * Math.min(done, this.total)) / Math.max(1, this.total));
    const rate = done / Math.max(1e-9, (performance.now() - this.started) / 1000);
    this.stream.write(`\repoch ${this.epoch + 1}/${this.epochs} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${this.total}  ${rate.toFixed(1)} samples/s  loss ${loss.toFixed(4)}\x1b[K`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
  }

  /** A line of its own (the epoch summary), after clearing the bar. */
  line(text: string): void {
    this.finish();
    this.stream.write(`${text}\n`);
  }
}
