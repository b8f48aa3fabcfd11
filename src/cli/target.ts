/**
 * Where the CLI's commands run: on the configured database directly, or — an embedded database
 * that a running server holds (one process per data folder) — inside that server, through its
 * admin socket.
 */
import http from 'node:http';
import fs from 'node:fs';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/connect.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { migrateToLatest } from '../db/migrate.js';
import { AppError, type ErrorBody } from '../errors.js';
import { adminSocketPath, socketPathTooLong } from '../ops/admin-socket.js';
import { RefusedError } from './cli-kit.js';

export type Target = { kind: 'database'; db: Database } | { kind: 'server'; socketPath: string };

/** Opens the database (migrated when `migrate`), or finds the server that holds it. Close with `closeTarget`. */
export async function openTarget(config: Config, options: { migrate: boolean }): Promise<Target> {
  if (config.database.kind === 'pglite-memory') {
    throw new RefusedError('DATABASE_URL=memory:// is a throwaway database inside one server process: there is nothing here to work on.');
  }
  let db: Database;
  try {
    db = openDatabase(config.database);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    const socketPath = adminSocketPath(config.dataDir);
    if (socketPathTooLong(socketPath) || !fs.existsSync(socketPath)) {
      throw new RefusedError(`${err.message} That server has no admin socket (${socketPath}): stop it, then run this again.`);
    }
    return { kind: 'server', socketPath };
  }
  try {
    if (options.migrate) await migrateToLatest(db);
    else await db.knex.raw('select 1');
  } catch (err) {
    await db.close();
    throw err;
  }
  return { kind: 'database', db };
}

export async function closeTarget(target: Target): Promise<void> {
  if (target.kind === 'database') await target.db.close();
}

/** A request to the server's admin socket: the body of a 200, or the server's error thrown as an AppError. */
export function askServer(socketPath: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { socketPath, method, path, agent: false, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          if (res.statusCode === 200) return resolve(bytes);
          try {
            const { error } = JSON.parse(bytes.toString('utf8')) as { error: ErrorBody };
            reject(new AppError(error.code, error.message, error.details));
          } catch {
            reject(new Error(`the server answered ${res.statusCode} through the admin socket`));
          }
        });
      },
    );
    req.on('error', (err) => reject(new RefusedError(`Cannot reach the server through its admin socket ${socketPath} (${err.message}).`)));
    req.end(payload);
  });
}
