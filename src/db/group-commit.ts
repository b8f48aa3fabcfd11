/**
 * A group commit's queue: everything submitted while a batch commits goes into a next batch, in
 * submission order. The caller's `commit` writes a batch and settles each of its entries; if it
 * throws, each entry is retried alone so that one bad row does not fail its neighbours — unless
 * the database itself is gone (UNAVAILABLE), then all are refused.
 *
 * By default one batch commits at a time. With `inFlight` above 1, a next batch may leave while
 * earlier ones commit, so that the database works on one batch while this process handles
 * another's results; `keyOf` then names what two batches in flight never share (a
 * conversation): an entry whose key is in flight waits for the batch that holds it to settle,
 * and every later entry of that key waits behind it. Entries of one key thus still commit in
 * submission order, one batch after the other.
 */
import { toAppError } from '../errors.js';

export interface Queued<I, O> {
  input: I;
  /** performance.now() when it was submitted. */
  queuedAt: number;
  resolve(output: O): void;
  reject(err: unknown): void;
}

/** Without options, one batch commits at a time. */
export interface GroupCommitOptions<I> {
  /** How many batches may commit at once. */
  inFlight: number;
  /** What two batches in flight must not share. */
  keyOf(input: I): string;
}

/** Upper bound of one batch, to keep a statement's size sane under a burst. */
const MAX_BATCH = 500;

export class GroupCommit<I, O> {
  private queue: Queued<I, O>[] = [];
  private readonly running = new Set<Promise<void>>();
  /** The keys of the batches in flight. */
  private readonly busy = new Set<string>();
  /** A batch is about to be taken (after the event loop's turn). */
  private starting = false;
  private readonly inFlight: number;

  constructor(
    private readonly commit: (batch: Queued<I, O>[]) => Promise<void>,
    private readonly options?: GroupCommitOptions<I>,
  ) {
    this.inFlight = options ? Math.max(1, options.inFlight) : 1;
  }

  /** Resolves once `input` is committed, with what `commit` settled it with. */
  submit(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject, queuedAt: performance.now() });
      this.schedule();
    });
  }

  /** Waits for everything queued so far to settle (used at shutdown). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.running.size > 0 || this.starting) {
      this.schedule();
      if (this.running.size > 0) await Promise.race(this.running);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private schedule(): void {
    if (this.starting || this.running.size >= this.inFlight || this.queue.length === 0) return;
    this.starting = true;
    // Let the event loop read the socket frames already waiting: on PGlite a whole commit runs
    // in microtasks, so without this turn every batch would hold one entry.
    setImmediate(() => {
      this.starting = false;
      const batch = this.take();
      if (batch.length === 0) return; // all of it waits for keys in flight: their batches' end schedules again
      const keyOf = this.options?.keyOf;
      const keys = keyOf ? new Set(batch.map((entry) => keyOf(entry.input))) : null;
      keys?.forEach((key) => this.busy.add(key));
      const run = this.commitWithFallback(batch).finally(() => {
        keys?.forEach((key) => this.busy.delete(key));
        this.running.delete(run);
        this.schedule();
      });
      this.running.add(run);
      this.schedule();
    });
  }

  /** The next batch: queued entries in order, up to MAX_BATCH, but none whose key is in flight. */
  private take(): Queued<I, O>[] {
    const keyOf = this.options?.keyOf;
    if (!keyOf || this.busy.size === 0) return this.queue.splice(0, MAX_BATCH);
    const batch: Queued<I, O>[] = [];
    const waiting: Queued<I, O>[] = [];
    for (const entry of this.queue) {
      if (batch.length < MAX_BATCH && !this.busy.has(keyOf(entry.input))) batch.push(entry);
      else waiting.push(entry);
    }
    this.queue = waiting;
    return batch;
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
