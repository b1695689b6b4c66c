import { formatDuration } from '@digitfuse/core';
import type { BatchProgress, EpochLogs, TrainCallback, TrainContext } from './callbacks';

/** Formats seconds as `1h02m`, `3m05s` or `12s` (from @digitfuse/core). */
export { formatDuration };

/** How training reports progress: a redrawn bar (TTY), one line per epoch, or nothing. */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'silent';

/** Arguments of `progressReporter()`. */
export interface ProgressArgs {
  /** 'auto' (default): a bar when `stream` is a TTY, else one line per epoch. */
  readonly mode?: ProgressMode;
  /** Where to write. Default process.stderr. */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Least milliseconds between two redraws of the bar. Default 200. */
  readonly redrawMs?: number;
}

/** One line summarising an epoch, e.g. `epoch 2/10 loss 0.1234 acc 0.9612 val_loss ... 12.3s 3900 samples/s`. */
export function formatEpochLine(logs: EpochLogs, epochs: number): string {
  const parts = [`epoch ${logs.epoch + 1}/${epochs}`, `loss ${logs.loss.toFixed(4)}`, `acc ${logs.acc.toFixed(4)}`];
  if (logs.val_loss !== undefined) parts.push(`val_loss ${logs.val_loss.toFixed(4)}`);
  if (logs.val_acc !== undefined) parts.push(`val_acc ${logs.val_acc.toFixed(4)}`);
  parts.push(`${logs.seconds.toFixed(1)}s`, `${Math.round(logs.samples_per_s)} samples/s`);
  return parts.join('  ');
}

/** Reports training progress: a bar with loss/accuracy and ETA on a TTY, one line per epoch otherwise. */
export class ProgressReporter implements TrainCallback {
  private readonly mode: 'bar' | 'lines' | 'silent';
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  private readonly redrawMs: number;
  private lastDraw = 0;
  /** A bar of an unfinished epoch is on the line. */
  private drawn = false;

  constructor(args: ProgressArgs = {}) {
    this.stream = args.stream ?? process.stderr;
    const mode = args.mode ?? 'auto';
    this.mode = mode === 'auto' ? (this.stream.isTTY ? 'bar' : 'lines') : mode;
    this.redrawMs = args.redrawMs ?? 200;
  }

  async onBatchEnd(p: BatchProgress, ctx: TrainContext): Promise<void> {
    if (this.mode !== 'bar') return;
    const now = Date.now();
    if (now - this.lastDraw < this.redrawMs && p.batch + 1 < p.batchesPerEpoch) return;
    this.lastDraw = now;
    const { loss, acc } = await p.metrics();
    const frac = p.samplesDone / p.samplesPerEpoch;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? '>' : '') + ' '.repeat(width - filled);
    const eta = frac > 0 ? (p.elapsed * (1 - frac)) / frac : NaN;
    const line =
      `epoch ${p.epoch + 1}/${ctx.epochs} [${bar}] ${p.samplesDone}/${p.samplesPerEpoch}` +
      `  loss ${loss.toFixed(4)}  acc ${acc.toFixed(4)}  ETA ${formatDuration(eta)}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 200) - 1)}\x1b[K`);
    this.drawn = true;
  }

  onEpochEnd(_epoch: number, logs: EpochLogs, ctx: TrainContext): void {
    if (this.mode === 'silent') return;
    this.stream.write(`${this.mode === 'bar' ? '\r\x1b[K' : ''}${formatEpochLine(logs, ctx.epochs)}\n`);
    this.drawn = false;
  }

  /** Clears the bar of an epoch abandoned by `stopNow()` (it gets no epoch line). */
  onTrainEnd(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** Creates a `ProgressReporter`. */
export function progressReporter(args: ProgressArgs = {}): ProgressReporter {
  return new ProgressReporter(args);
}
