/** The suite's one polling loop: every "wait until" of the tests is this, with its own patience. */

/**
 * Resolves with the first truthy value `probe` gives, asking every `everyMs`; rejects naming
 * `what` after `timeoutMs`. A probe that throws counts as "not yet" (a server that is restarting
 * refuses requests for a while), and its last error is in the rejection.
 */
export async function eventually<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 15_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
