/** Opens the database: node-postgres for postgres://, embedded PGlite (on disk or in memory) otherwise. */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { lockDataDir } from './data-dir-lock.js';
import { openDurablePglite } from './durable-pglite.js';
import { assertDiskRoom, DISK_RESERVE_BYTES, guardEmbedded } from './embedded-guard.js';
import { StallWatchdog } from './pg-watchdog.js';

// COUNT(*) and BIGINT come back as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface Database {
  knex: Knex;
  kind: DatabaseConfig['kind'];
  /** Embedded on disk: fsync calls since it opened (a commit that added none did not wait for the disk). Null elsewhere. */
  fsyncs(): number | null;
  /** `listener` hears once if this process can no longer use the database (a PANIC of the embedded one). */
  onFatal(listener: (err: Error) => void): void;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Embedded on disk: free space kept in reserve (writes are refused below it; 0 turns the guard off). */
  diskReserveBytes?: number;
  /** Embedded on disk: false runs PostgreSQL without fsync, as PGlite comes — only to measure what durability costs. */
  durable?: boolean;
  /** Where knex's own warnings go (by default console.log, with stack traces: "Acquire connection error"). */
  log?: Knex.Config['log'];
}

interface Prepared {
  config: Knex.Config;
  fsyncs(): number | null;
  fatalListeners: ((err: Error) => void)[];
  /** Releases what the knex instance does not own (the data folder lock, the watchdog). */
  release(): void;
}

// knex-pglite subclasses knex's PostgreSQL dialect the same way; knex ships no types for it.
const PgDialect = createRequire(import.meta.url)('knex/lib/dialects/postgres/index.js') as typeof knex.Client;

/** knex's pg client with every statement under the watchdog's eye (see pg-watchdog.ts). */
function watchedPgClient(watchdog: StallWatchdog): typeof knex.Client {
  return class WatchedPgClient extends PgDialect {
    override acquireConnection() {
      return watchdog.acquire(
        () => super.acquireConnection(),
        (connection) => this.releaseConnection(connection),
      );
    }
    override query(connection: object, obj: unknown) {
      return watchdog.watch(connection, () => super.query(connection, obj));
    }
  };
}

// A failed query's message keeps `$1` placeholders instead of the bound values, which may
// be secrets (an identity secret, a token hash) and would end up in the error logs.
const COMMON = { compileSqlOnError: false } as const;

function prepare(database: DatabaseConfig, options: OpenOptions = {}): Prepared {
  if (database.kind === 'postgres') {
    const watchdog = new StallWatchdog(database.url);
    return {
      config: {
        ...COMMON,
        client: watchedPgClient(watchdog),
        // connectionTimeoutMillis: a host that does not answer fails a new connection in 5 s
        // instead of the OS's minutes; keepAlive finds idle connections to a vanished host.
        connection: { connectionString: database.url, connectionTimeoutMillis: 5_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 },
        pool: { min: 0, max: 10 },
        acquireConnectionTimeout: 10_000,
      },
      fsyncs: () => null,
      fatalListeners: [],
      release: () => watchdog.stop(),
    };
  }
  const fatalListeners: ((err: Error) => void)[] = [];
  const onFatal = (err: Error) => fatalListeners.splice(0).forEach((listener) => listener(err));
  const extensions = { pg_trgm, btree_gin };
  if (database.kind === 'pglite-memory') {
    const pglite = new PGlite({ extensions });
    const connection = guardEmbedded(pglite, { dataDir: '', reserveBytes: 0, ready: pglite.waitReady, onFatal });
    return { config: embeddedConfig(connection), fsyncs: () => null, fatalListeners, release: () => {} };
  }
  fs.mkdirSync(database.dataDir, { recursive: true });
  const lock = lockDataDir(database.dataDir);
  try {
    const reserveBytes = options.diskReserveBytes ?? DISK_RESERVE_BYTES;
    assertDiskRoom(database.dataDir, reserveBytes);
    const durable = openDurablePglite(database.dataDir, { extensions }, options.durable ?? true);
    const connection = guardEmbedded(durable.pglite, { dataDir: database.dataDir, reserveBytes, ready: durable.ready, onFatal });
    return { config: embeddedConfig(connection), fsyncs: durable.fsyncs, fatalListeners, release: lock.release };
  } catch (err) {
    lock.release();
    throw err;
  }
}

function embeddedConfig(connection: object): Knex.Config {
  return {
    ...COMMON,
    client: ClientPgLite as unknown as typeof knex.Client,
    dialect: 'postgres',
    connection: () => ({ pglite: connection }) as unknown as Knex.StaticConnectionConfig,
    acquireConnectionTimeout: 60_000,
  };
}

/** For the knex CLI (knexfile.ts): the embedded folder stays locked until that process exits. */
export function knexConfig(database: DatabaseConfig): Knex.Config {
  return prepare(database).config;
}

export function openDatabase(database: DatabaseConfig, options: OpenOptions = {}): Database {
  const prepared = prepare(database, options);
  const db = knex(options.log ? { ...prepared.config, log: options.log } : prepared.config);
  return {
    knex: db,
    kind: database.kind,
    fsyncs: prepared.fsyncs,
    onFatal: (listener) => void prepared.fatalListeners.push(listener),
    async close() {
      try {
        await db.destroy();
      } finally {
        prepared.release();
      }
    },
  };
}
