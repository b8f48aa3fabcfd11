/** Everything the app needs, built once by the composition root (src/main.ts) or by a test. */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { Tokens } from './auth/tokens.js';
import { resolveJwtSecret } from './auth/jwt-secret.js';
import { openDatabase, type Database } from './db/connect.js';
import { MessageWriter } from './conversations/message-writer.js';
import { MemoryPresence } from './presence/memory-presence.js';
import { RedisPresence } from './presence/redis-presence.js';
import type { PresenceStore } from './presence/presence-store.js';

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
  messages: MessageWriter;
  redis: RedisClients | null;
}

export interface DepsOverrides {
  /** Share one database between several apps (tests). */
  db?: Database;
}

export function buildDeps(config: Config, logger: Logger, overrides: DepsOverrides = {}): Deps {
  const db = overrides.db ?? openDatabase(config.database);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : null;
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
    messages: new MessageWriter(db.knex),
    redis,
  };
}

function connectRedis(url: string, logger: Logger): RedisClients {
  const open = (name: string) => {
    // Fail commands after a couple of reconnect attempts instead of queueing them forever:
    // the caller answers UNAVAILABLE and the client retries.
    const client = new Redis(url, { maxRetriesPerRequest: 2, connectionName: `pingstreams:${name}` });
    client.on('error', (err) => logger.warn({ err: err.message, client: name }, 'redis error'));
    return client;
  };
  return { commands: open('commands'), adapter: open('adapter') };
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
