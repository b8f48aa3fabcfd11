/** A token bucket for one socket's commands: a steady rate with bursts up to twice that. */

/** Why a command was refused: how long until the next one would be admitted. */
export interface Refusal {
  retryAfterMs: number;
}

/**
 * Starts full with `2 × perSecond` tokens and refills at `perSecond` tokens a second, never past
 * full: any window of t seconds admits at most 2·perSecond + perSecond·t commands. Synchronous
 * on purpose: the decision is made as the packet arrives, so commands that pass keep the order
 * they were sent in (message:send relies on it), and a socket pays no promise or timer per command.
 */
export class TokenBucket {
  private readonly capacity: number;
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = 2 * perSecond;
    this.tokens = this.capacity;
    this.refilledAt = this.now();
  }

  /** Takes one token: null when admitted, else when to retry. */
  take(): Refusal | null {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return null;
    }
    return { retryAfterMs: Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)) };
  }
}
