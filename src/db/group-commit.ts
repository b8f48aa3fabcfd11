/**
 * A group commit's queue: everything submitted while a batch commits goes into the next batch,
 * one batch at a time (so in submission order). The caller's `commit` writes a batch and settles
 * each of its entries; if it throws, each entry is retried alone so that one bad row does not
 * fail its neighbours — unless the database itself is gone (UNAVAILABLE), then all are refused.
 */
import { toAppError } from '../errors.js';

export interface Queued<I, O> {
  input: I;
  /** performance.now() when it was submitted. */
  queuedAt: number;
  resolve(output: O): void;
  reject(err: unknown): void;
}

/** Upper bound of one batch, to keep a statement's size sane under a burst. */
const MAX_BATCH = 500;

export class GroupCommit<I, O> {
  private queue: Queued<I, O>[] = [];
  private draining: Promise<void> | null = null;

  constructor(private readonly commit: (batch: Queued<I, O>[]) => Promise<void>) {}

  /** Resolves once `input` is committed, with what `commit` settled it with. */
  submit(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject, queuedAt: performance.now() });
      this.draining ??= this.drain();
    });
  }

  /** Waits for everything queued so far to settle (used at shutdown). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Let the event loop read the socket frames already waiting: on PGlite a whole commit runs in microtasks, so without this yield every batch would hold one entry.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.commitWithFallback(this.queue.splice(0, MAX_BATCH));
      }
    } finally {
      this.draining = null;
    }
  }

  private async commitWithFallback(batch: Queued<I, O>[]): Promise<void> {
    try {
      await this.commit(batch);
    } catch (err) {
      if (batch.length === 1 || toAppError(err).code === 'UNAVAILABLE') {
        for (const entry of batch) entry.reject(err);
        return;
      }
      for (const entry of batch) {
        try {
          await this.commit([entry]);
        } catch (single) {
          entry.reject(single);
        }
      }
    }
  }
}
