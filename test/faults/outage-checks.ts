/** Small checks shared by the outage tests: the ack bound, readiness polling, the server's error lines. */

/** The promise: an answer to every send within this long while a backing service is gone. */
export const ACK_BOUND_MS = 10_000;

/** One send and how it was answered. */
export interface Sent {
  clientMessageId: string;
  text: string;
  result: 'acked' | 'unavailable';
  ms: number;
}

/** The server's error lines, without the expected flood of "connection refused". */
export function serverErrors(output: string): string {
  const lines = output.split('\n').filter((line) => /^\{"level":[56]0/.test(line) && !line.includes('ECONNREFUSED'));
  return lines.slice(-30).join('\n');
}

/** `promise`, or a failure once the ack bound has passed. */
export function withinBound<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ACK_BOUND_MS} ms`)), ACK_BOUND_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Polls /readyz until 200 (PostgreSQL accepted connections again). */
export async function waitReady(readyz: () => Promise<{ status: number }>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if ((await readyz()).status === 200) return;
    if (Date.now() > deadline) throw new Error('/readyz did not come back within 30 s of PostgreSQL starting');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
