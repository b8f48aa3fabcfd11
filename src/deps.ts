/** Everything the app needs, built once by the composition root (src/main.ts) or by a test. */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { Tokens } from './auth/tokens.js';
import { resolveJwtSecret } from './auth/jwt-secret.js';
import { openDatabase, type Database } from './db/connect.js';
import { MessageWriter } from './conversations/message-writer.js';
import { VisitorMinter } from './contacts/visitor-minter.js';
import { MemoryPresence } from './presence/memory-presence.js';
import { RedisPresence } from './presence/redis-presence.js';
import type { PresenceStore } from './presence/presence-store.js';
import { MemoryVisitorPresence } from './presence/visitor-presence-memory.js';
import { RedisVisitorPresence } from './presence/visitor-presence-redis.js';
import type { VisitorPresenceStore } from './presence/visitor-presence-store.js';
import { AdapterRedis, failFastClient } from './realtime/adapter-redis.js';
import { RateLimits } from './limits/rate-limits.js';
import { Metrics } from './http/metrics.js';

export interface RedisClients {
  /** Presence commands and readiness checks. */
  commands: Redis;
  /** The Socket.IO adapter's own connection (it blocks on XREAD). */
  adapter: Redis;
}

export interface Deps {
  config: Config;
  logger: Logger;
  db: Database;
  tokens: Tokens;
  presence: PresenceStore;
  /** Which leads have a visitor connected (visitor:presence). */
  visitorPresence: VisitorPresenceStore;
  messages: MessageWriter;
  /** Group commit of new anonymous visitors (handshakes). */
  visitorMinter: VisitorMinter;
  redis: RedisClients | null;
  /** Abuse limits (RATE_LIMIT_*): shared through Redis when there is one. */
  limits: RateLimits;
  /** This app's own registry (never prom-client's global one: tests run several apps in one process). */
  metrics: Metrics;
}

export interface DepsOverrides {
  /** Share one database between several apps (tests). */
  db?: Database;
}

export function buildDeps(config: Config, logger: Logger, overrides: DepsOverrides = {}): Deps {
  const db = overrides.db ?? openDatabase(config.database, { log: knexLog(logger) });
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : null;
  const metrics = new Metrics({ knex: db.knex, redis: redis && { commands: redis.commands, adapter: redis.adapter } });
  return {
    config,
    logger,
    db,
    tokens: new Tokens({
      secret: resolveJwtSecret(config),
      agentTtlSeconds: config.agentTokenTtlSeconds,
      visitorTtlSeconds: config.visitorTokenTtlSeconds,
    }),
    presence: redis ? new RedisPresence(redis.commands, { ttlSeconds: config.presenceTtlSeconds }) : new MemoryPresence(),
    visitorPresence: redis ? new RedisVisitorPresence(redis.commands, { ttlSeconds: config.presenceTtlSeconds }) : new MemoryVisitorPresence(),
    // PGlite runs its queries on this thread: answering a batch after the next has left would only delay it.
    messages: new MessageWriter(db.knex, metrics.messageCommits, { overlap: db.kind === 'postgres' }),
    visitorMinter: new VisitorMinter(db.knex),
    redis,
    limits: new RateLimits(config.rateLimits, redis?.commands ?? null, logger),
    metrics,
  };
}

/**
 * knex's warnings (a failed connection attempt, with its stack, on every retry) go to the debug
 * level, first line only: the outage itself is reported once, by whoever waits for the database.
 */
function knexLog(logger: Logger) {
  const firstLine = (message: unknown) => String(message).split('\n')[0];
  return {
    warn: (message: unknown) => logger.debug({ knex: firstLine(message) }, 'knex warning'),
    error: (message: unknown) => logger.error({ knex: firstLine(message) }, 'knex error'),
    deprecate: (message: unknown) => logger.debug({ knex: firstLine(message) }, 'knex deprecation'),
    debug: (message: unknown) => logger.trace({ knex: firstLine(message) }, 'knex debug'),
  };
}

function connectRedis(url: string, logger: Logger): RedisClients {
  // Redis may be down at boot or go away later: commands fail fast (UNAVAILABLE, the client
  // retries) and nothing the adapter does can crash the process (see adapter-redis.ts).
  return { commands: failFastClient(url, 'commands', logger), adapter: new AdapterRedis(url, logger) };
}

/** Closes what buildDeps opened (not a database passed in by overrides). */
export async function closeDeps(deps: Deps, options: { keepDb?: boolean } = {}): Promise<void> {
  await deps.messages.flush();
  if (deps.redis) {
    deps.redis.commands.disconnect();
    deps.redis.adapter.disconnect();
  }
  if (!options.keepDb) await deps.db.close();
}
