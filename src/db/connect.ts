/** Opens the database: node-postgres for postgres://, embedded PGlite (on disk or in memory) otherwise. */
import fs from 'node:fs';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';

// COUNT(*) and BIGINT come back as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface Database {
  knex: Knex;
  kind: DatabaseConfig['kind'];
  close(): Promise<void>;
}

export function knexConfig(database: DatabaseConfig): Knex.Config {
  if (database.kind === 'postgres') {
    return { client: 'pg', connection: database.url, pool: { min: 0, max: 10 }, acquireConnectionTimeout: 10_000 };
  }
  if (database.kind === 'pglite') fs.mkdirSync(database.dataDir, { recursive: true });
  const pglite = new PGlite({
    ...(database.kind === 'pglite' ? { dataDir: database.dataDir } : {}),
    extensions: { pg_trgm, btree_gin },
  });
  return {
    client: ClientPgLite as unknown as typeof knex.Client,
    dialect: 'postgres',
    connection: () => ({ pglite }) as unknown as Knex.StaticConnectionConfig,
    acquireConnectionTimeout: 60_000,
  };
}

export function openDatabase(database: DatabaseConfig): Database {
  const db = knex(knexConfig(database));
  return { knex: db, kind: database.kind, close: () => db.destroy() };
}
