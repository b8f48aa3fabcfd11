/**
 * `npm run restore -- FILE`: puts a backup made by `npm run backup` back. Embedded: the server
 * must be stopped (the data folder is replaced; the old one is kept aside). PostgreSQL:
 * pg_restore --clean into DATABASE_URL, refused while other sessions use it unless --force.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, readEnvironment, type Config } from '../config.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { restoreEmbedded } from '../backup/embedded.js';
import { backupKindOf, decodeEmbeddedBackup } from '../backup/backup-file.js';
import { writeFileDurably } from '../ops/durable-file.js';
import { otherSessions, pgRestore, requireTool } from '../backup/postgres.js';
import { parseFlags } from './args.js';
import { print, RefusedError, runCli, UsageError } from './cli-kit.js';

const USAGE = 'Usage: npm run restore -- FILE [--force] [--json]   (or: node dist/src/cli/restore.js FILE)';

async function restoreIntoEmbedded(config: Config, file: string) {
  if (config.database.kind !== 'pglite') throw new Error('unreachable');
  const { header, tarball } = decodeEmbeddedBackup(fs.readFileSync(file));
  let setAside: string | null;
  try {
    ({ setAside } = await restoreEmbedded(config.database.dataDir, tarball));
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new RefusedError(`Stop the server before restoring: ${err.message}`);
    throw err;
  }
  // Tokens signed before the backup verify again, as they did then.
  if (header.jwtSecret !== null) writeFileDurably(path.join(config.dataDir, 'jwt-secret'), Buffer.from(header.jwtSecret));
  return { file, database: 'pglite' as const, backupCreatedAt: header.createdAt, setAside };
}

async function restoreIntoPostgres(url: string, file: string, force: boolean) {
  const tool = requireTool('pg_restore');
  const sessions = await otherSessions(url);
  if (sessions > 0 && !force) {
    throw new RefusedError(`${sessions} other session(s) use this database (a server still running?): stop every server first, or pass --force.`);
  }
  await pgRestore(url, file);
  return { file, database: 'postgres' as const, tool };
}

let json = false;

await runCli(async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), [], ['json', 'force']);
  json = values.json === true;
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const file = path.resolve(positionals[0]!);
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const kind = backupKindOf(file);
  if (kind === null) throw new UsageError(`${file} is not a backup made by npm run backup`);
  const config = loadConfig(readEnvironment());
  const here = config.database.kind === 'postgres' ? 'pg_dump' : 'pglite';
  if (config.database.kind === 'pglite-memory') throw new RefusedError('DATABASE_URL=memory:// keeps nothing: there is nowhere to restore to.');
  if (kind !== here) {
    throw new RefusedError(
      kind === 'pglite'
        ? `${file} is a backup of an embedded database, but DATABASE_URL points at PostgreSQL: unset DATABASE_URL (and set DATA_DIR) to restore it.`
        : `${file} is a PostgreSQL backup (pg_dump), but no DATABASE_URL is set: set DATABASE_URL=postgres://… to restore it.`,
    );
  }
  if (config.database.kind === 'postgres') {
    const result = await restoreIntoPostgres(config.database.url, file, values.force === true);
    print(json, result, `Restored ${file} into the PostgreSQL database with ${result.tool}.`);
  } else {
    const result = await restoreIntoEmbedded(config, file);
    const aside = result.setAside ? ` The data folder that was there is kept in ${result.setAside}.` : '';
    print(json, result, `Restored the embedded database from ${file} (backed up ${result.backupCreatedAt}).${aside}`);
  }
}, () => json);
