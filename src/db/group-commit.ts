/**
 * A group commit's queue: everything submitted while a batch commits goes into the next batch,
 * one batch at a time (so in submission order). The caller's `commit` writes a batch and settles
 * each of its entries, or answers with a function that settles them; if it throws, each entry
 * is retried alone so that one bad row does not fail its neighbours — unless the database itself
 * is gone (UNAVAILABLE), then all are refused.
 *
 * With `overlap`, a batch's entries are settled only once the next batch has left: the database
 * works on that one while this process answers the last (on PostgreSQL the acks and broadcasts
 * of a batch of 50 take ≈ 2–3 ms of the event loop, during which the database used to wait).
 * Still one batch in flight at a time, in submission order: the next leaves after the previous
 * has committed. Not on PGlite: its query runs on this thread, so it would only delay the answers.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
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

/** Settles a committed batch's entries (resolves or rejects each). */
export type Settle = () => void;

export interface GroupCommitOptions {
  /** Settle a batch once the next one has left (see above). */
  overlap?: boolean;
}

export class GroupCommit<I, O> {
  private queue: Queued<I, O>[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    private readonly commit: (batch: Queued<I, O>[]) => Promise<Settle | void>,
    private readonly options: GroupCommitOptions = {},
  ) {}

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
    // The last committed batch, not settled yet (overlap only).
    let unsettled: Settle | void = undefined;
    try {
      while (this.queue.length > 0) {
        // Let the event loop read the socket frames already waiting: on PGlite a whole commit runs in microtasks, so without this yield every batch would hold one entry.
        await nextTurn();
        const committing = this.commitWithFallback(this.queue.splice(0, MAX_BATCH));
        if (unsettled) {
          // One turn first: the next batch's query is written before the answers take the event loop.
          await nextTurn();
          unsettled();
        }
        unsettled = await committing;
        if (!this.options.overlap && unsettled) {
          unsettled();
          unsettled = undefined;
        }
      }
    } finally {
      if (unsettled) unsettled();
      this.draining = null;
    }
  }

  /** Never rejects: a failed batch's entries are retried alone or refused here, and settled. */
  private async commitWithFallback(batch: Queued<I, O>[]): Promise<Settle | void> {
    try {
      return await this.commit(batch);
    } catch (err) {
      if (batch.length === 1 || toAppError(err).code === 'UNAVAILABLE') {
        for (const entry of batch) entry.reject(err);
        return;
      }
      for (const entry of batch) {
        try {
          const settle = await this.commit([entry]);
          if (settle) settle();
        } catch (single) {
          entry.reject(single);
        }
      }
    }
  }
}

