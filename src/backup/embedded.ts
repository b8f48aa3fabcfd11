/**
 * Backups of the embedded database. A dump holds PGlite's only connection (so no transaction is
 * half-way), checkpoints, and takes PGlite's tarball of the data folder: a consistent copy,
 * whether the server or the CLI has the database open. A restore needs the folder to itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import type { Database } from '../db/connect.js';
import { lockDataDir } from '../db/data-dir-lock.js';
import { openDurablePglite } from '../db/durable-pglite.js';
import type { GuardedConnection } from '../db/embedded-guard.js';

/** The gzipped tarball of a live embedded database. Queries wait while it is taken (about a second per 50 MB). */
export async function dumpEmbedded(db: Database): Promise<Uint8Array> {
  if (db.kind !== 'pglite') throw new Error(`only an embedded database on disk can be dumped this way (this one is ${db.kind})`);
  const client = db.knex.client as { acquireConnection(): Promise<GuardedConnection>; releaseConnection(c: GuardedConnection): Promise<void> };
  const connection = await client.acquireConnection();
  try {
    // Everything committed is in the data files, not only in the WAL: a smaller, quicker restore.
    await connection.query('checkpoint');
    const tarball = await connection.dumpDataDir('gzip');
    return new Uint8Array(await tarball.arrayBuffer());
  } finally {
    await client.releaseConnection(connection);
  }
}

export interface EmbeddedRestore {
  /** Where the data folder that was there before went (kept, never deleted), or null if there was none. */
  setAside: string | null;
}

const hasData = (dir: string) => fs.existsSync(dir) && fs.readdirSync(dir).length > 0;

/**
 * Unpacks `tarball` into `pgdataDir`. Throws DataDirLockedError while a server has the folder.
 * A folder already there is renamed aside first, and put back if the restore fails.
 */
export async function restoreEmbedded(pgdataDir: string, tarball: Uint8Array): Promise<EmbeddedRestore> {
  const lock = lockDataDir(pgdataDir);
  try {
    let setAside: string | null = null;
    if (hasData(pgdataDir)) {
      setAside = `${pgdataDir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      fs.renameSync(pgdataDir, setAside);
    }
    try {
      fs.mkdirSync(path.dirname(pgdataDir), { recursive: true });
      const durable = openDurablePglite(pgdataDir, { extensions: { pg_trgm, btree_gin }, loadDataDir: new Blob([tarball]) });
      await durable.ready;
      await durable.pglite.query('select 1');
      await durable.pglite.close();
    } catch (err) {
      fs.rmSync(pgdataDir, { recursive: true, force: true });
      if (setAside) fs.renameSync(setAside, pgdataDir);
      throw err;
    }
    return { setAside };
  } finally {
    lock.release();
  }
}
