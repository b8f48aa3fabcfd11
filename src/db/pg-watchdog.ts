/**
 * Bounds how long a statement can wait on a PostgreSQL server that has gone silent (a frozen
 * host, a network partition): a stopped server refuses or resets connections at once, a silent
 * one would keep a transaction — and every message queued behind it — waiting forever.
 */
import pg from 'pg';

/** A statement unanswered this long makes the watchdog ask the server whether it is alive. */
export const STALL_MS = 3_000;
/** How long the probe (a fresh connection and `select 1`) may take before the server counts as gone. */
export const PROBE_TIMEOUT_MS = 3_000;

/** The error every statement gets while the server is known to be unreachable (maps to UNAVAILABLE). */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
  readonly code = '08006';
  constructor() {
    super('PostgreSQL is not answering');
  }
}

/** What the watchdog needs from node-postgres' Client: its socket, and knex's "do not reuse" mark. */
interface PgConnection {
  connection?: { stream?: { destroy(err?: Error): void } };
  __knex__disposed?: unknown;
}

/** Network-level failures only: a server that answers with an error (too many clients, auth) is alive. */
const isSilence = (err: unknown) => !(typeof (err as { code?: unknown })?.code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code));

/**
 * Watches statements in flight. When one has waited STALL_MS, one probe connects afresh and runs
 * `select 1`; if that gets no answer within PROBE_TIMEOUT_MS (or is refused), the connections of
 * the waiting statements are cut — their transactions fail at once with "Connection terminated",
 * i.e. UNAVAILABLE — and the watchdog reports the server down: new statements fail fast until a
 * probe (every second) gets an answer again. A slow statement on a live server is never touched.
 */
export class StallWatchdog {
  /** One entry per statement (a connection may have several queued). */
  private readonly inFlight = new Set<{ connection: PgConnection; since: number }>();
  private down = false;
  /** Acquisitions in progress, told when the server is found down. */
  private readonly waiting = new Set<(err: Error) => void>();
  private probing = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly url: string) {
    this.timer = setInterval(() => void this.tick(), 1_000);
    this.timer.unref();
  }

  /** Throws at once while the server is known to be gone (instead of waiting for a connection). */
  assertReachable(): void {
    if (this.down) throw new DatabaseUnreachableError();
  }

  /**
   * Acquiring a connection from a silent server waits for the connect timeout, and from a full
   * pool for statements that may never finish: an acquisition counts as in flight too, and gives
   * up as soon as the server is known to be down (a connection it gets later is given back).
   */
  async acquire<C>(acquire: () => Promise<C>, giveBack: (connection: C) => void): Promise<C> {
    this.assertReachable();
    const pending = acquire();
    const entry = { connection: {}, since: Date.now() };
    let giveUp: (err: Error) => void = () => {};
    const gaveUp = new Promise<never>((_, reject) => (giveUp = reject));
    this.inFlight.add(entry);
    this.waiting.add(giveUp);
    try {
      return await Promise.race([pending, gaveUp]);
    } catch (err) {
      if (err instanceof DatabaseUnreachableError) void pending.then(giveBack, () => {});
      throw err;
    } finally {
      this.inFlight.delete(entry);
      this.waiting.delete(giveUp);
    }
  }

  async watch<T>(connection: PgConnection, run: () => Promise<T>): Promise<T> {
    this.assertReachable();
    const entry = { connection, since: Date.now() };
    this.inFlight.add(entry);
    try {
      return await run();
    } finally {
      this.inFlight.delete(entry);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    const stalled = [...this.inFlight].filter((entry) => now - entry.since >= STALL_MS).map((entry) => entry.connection);
    if (this.probing || (!this.down && stalled.length === 0)) return;
    this.probing = true;
    try {
      const alive = await this.probe();
      this.down = !alive;
      if (alive) return;
      for (const giveUp of this.waiting) giveUp(new DatabaseUnreachableError());
      for (const connection of stalled) {
        connection.__knex__disposed = new DatabaseUnreachableError();
        connection.connection?.stream?.destroy();
      }
    } finally {
      this.probing = false;
    }
  }

  private async probe(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, query_timeout: PROBE_TIMEOUT_MS });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (err) {
      return !isSilence(err);
    } finally {
      // end() waits for the server's goodbye; a silent server never sends one.
      void client.end().catch(() => {});
      setTimeout(() => (client as unknown as PgConnection).connection?.stream?.destroy(), 1_000).unref();
    }
  }
}
