/**
 * Redis connections shaped for a Redis that comes and goes: commands fail fast (the caller
 * answers UNAVAILABLE), the streams adapter's readers wait for Redis instead of spinning,
 * and no promise the adapter leaves unhandled can take the process down.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** A command that needs Redis answers within about this long, Redis or not. */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/**
 * For commands a caller waits on (presence, readiness, rate limits, the adapter's XADD): while
 * Redis is away a command waits only until the next reconnect attempt fails (maxRetriesPerRequest
 * 0; it is then dropped, not run later) and never past the timeout, so no ack hangs on Redis.
 */
export function failFastOptions(name: string): RedisOptions {
  return {
    connectionName: `pingstreams:${name}`,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: reconnectQuickly,
  };
}

/** Attempts at most a second apart: how soon a restarted Redis is used again. */
const reconnectQuickly = (attempt: number) => Math.min(attempt * 100, 1_000);

export function failFastClient(url: string, name: string, logger: Logger): Redis {
  const client = new Redis(url, failFastOptions(name));
  logOutages(client, name, logger);
  return client;
}

/** The connections of one logger (one process, one app) that are down right now. */
const downConnections = new WeakMap<Logger, Set<Redis>>();

/**
 * One warning when Redis is lost and one line when it is back — for the process, not one per
 * connection (commands, adapter, its readers) nor per reconnect attempt.
 */
function logOutages(client: Redis, name: string, logger: Logger): void {
  const down = downConnections.get(logger) ?? new Set<Redis>();
  downConnections.set(logger, down);
  client.on('error', (err: Error) => {
    if (down.has(client)) return;
    if (down.size === 0) logger.warn({ err: err.message, client: name }, `redis unavailable (${err.message}); retrying with backoff`);
    down.add(client);
  });
  client.on('ready', () => {
    if (down.delete(client) && down.size === 0) logger.info({ client: name }, 'redis available again');
  });
}

type FloatingCommand = 'publish' | 'spublish' | 'subscribe' | 'ssubscribe';

/**
 * The adapter calls these without handling a rejection (PUBLISH of its ephemeral requests,
 * SUBSCRIBE at start, ioredis's own re-subscribe): mark their promises handled. Callers that
 * await them still see the error.
 */
function handleFloating(client: Redis, commands: FloatingCommand[]): void {
  for (const command of commands) {
    const original = (client[command] as (...args: unknown[]) => Promise<unknown>).bind(client);
    Object.assign(client, {
      [command]: (...args: unknown[]) => {
        const result = original(...args);
        result.catch(() => undefined);
        return result;
      },
    });
  }
}

/**
 * The client handed to @socket.io/redis-streams-adapter. It publishes with fail-fast options
 * (a broadcast waits at most one reconnect attempt before it is delivered locally), while the
 * connections the adapter duplicates from it (XREAD BLOCK, SUBSCRIBE) wait for Redis as long
 * as it takes: failing them fast would only make the adapter's read loop spin.
 */
export class AdapterRedis extends Redis {
  private readonly followers: Redis[] = [];

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {
    super(url, failFastOptions('adapter'));
    logOutages(this, 'adapter', logger);
    handleFloating(this, ['publish', 'spublish']);
  }

  override duplicate(override: Partial<RedisOptions> = {}): Redis {
    const follower = new Redis(this.url, { connectionName: 'pingstreams:adapter-reader', maxRetriesPerRequest: null, retryStrategy: reconnectQuickly, ...override });
    logOutages(follower, 'adapter-reader', this.logger);
    handleFloating(follower, ['subscribe', 'ssubscribe']);
    this.followers.push(follower);
    return follower;
  }

  /** Also closes the connections the adapter made, whose blocked reads would otherwise wait for Redis forever. */
  override disconnect(reconnect = false): void {
    if (!reconnect) for (const follower of this.followers.splice(0)) follower.disconnect();
    super.disconnect(reconnect);
  }
}
