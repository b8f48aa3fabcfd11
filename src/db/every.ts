/**
 * A job of the embedded database's upkeep (src/db/vacuum.ts, src/db/checkpoints.ts), run every
 * `everyMs` on an unref'd timer (it never keeps the process alive), never twice at once: a turn
 * that finds the previous run still going is skipped. A failure goes to `onError` and the next
 * turn runs as usual. Returns a stop function; a run under way finishes.
 */
export function every(everyMs: number, job: () => Promise<void>, onError: (err: unknown) => void, options: { now?: boolean } = {}): () => void {
  let running = false;
  const turn = async () => {
    if (running) return;
    running = true;
    try {
      await job();
    } catch (err) {
      onError(err);
    } finally {
      running = false;
    }
  };
  if (options.now) void turn();
  const timer = setInterval(() => void turn(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
