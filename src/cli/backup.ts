/**
 * `npm run backup -- --out FILE`: a consistent backup of the configured database. PostgreSQL:
 * pg_dump's custom format. Embedded: a dump taken by whoever has the data folder open — the
 * running server (through its admin socket, while it keeps serving) or, when it is stopped, us.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, readEnvironment, type Config } from '../config.js';
import { dumpEmbedded } from '../backup/embedded.js';
import { encodeEmbeddedBackup } from '../backup/backup-file.js';
import { writeFileDurably } from '../ops/durable-file.js';
import { pgDump, requireTool } from '../backup/postgres.js';
import { parseFlags } from './args.js';
import { print, runCli, UsageError } from './cli-kit.js';
import { askServer, closeTarget, openTarget } from './target.js';

const USAGE = 'Usage: npm run backup -- --out FILE [--json]   (or: node dist/src/cli/backup.js --out FILE)';

interface BackupResult {
  file: string;
  bytes: number;
  database: 'postgres' | 'pglite';
  /** Embedded: the running server took the dump (it kept serving). */
  viaServer: boolean;
  tool?: string;
}

function jwtSecretIn(config: Config): string | null {
  const file = path.join(config.dataDir, 'jwt-secret');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : null;
}

async function backupEmbedded(config: Config, file: string): Promise<BackupResult> {
  // No migration: a backup copies the database as it is.
  const target = await openTarget(config, { migrate: false });
  let tarball: Uint8Array;
  try {
    tarball = target.kind === 'database' ? await dumpEmbedded(target.db) : await askServer(target.socketPath, 'GET', '/backup');
  } finally {
    await closeTarget(target);
  }
  const bytes = encodeEmbeddedBackup({ kind: 'pglite', createdAt: new Date().toISOString(), jwtSecret: jwtSecretIn(config) }, tarball);
  writeFileDurably(file, bytes);
  return { file, bytes: bytes.byteLength, database: 'pglite', viaServer: target.kind === 'server' };
}

let json = false;

await runCli(async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), ['out'], ['json']);
  json = values.json === true;
  if (typeof values.out !== 'string' || values.out === '' || positionals.length > 0) throw new UsageError(USAGE);
  const file = path.resolve(values.out);
  if (!fs.existsSync(path.dirname(file))) throw new UsageError(`the folder ${path.dirname(file)} does not exist`);
  const config = loadConfig(readEnvironment());
  let result: BackupResult;
  if (config.database.kind === 'postgres') {
    const tool = requireTool('pg_dump');
    await pgDump(config.database.url, file);
    result = { file, bytes: fs.statSync(file).size, database: 'postgres', viaServer: false, tool };
  } else {
    result = await backupEmbedded(config, file);
  }
  const how = result.tool ? `with ${result.tool}` : result.viaServer ? 'taken by the running server' : 'the server was not running';
  print(json, result, `Backed up the ${result.database === 'postgres' ? 'PostgreSQL' : 'embedded'} database to ${file} (${result.bytes} bytes; ${how}).`);
}, () => json);
