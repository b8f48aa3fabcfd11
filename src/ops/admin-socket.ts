/**
 * The embedded database belongs to the one server process that has it open, so the admin CLI
 * and backups reach it through that process: HTTP over a Unix socket inside DATA_DIR. Whoever
 * may use the socket (the data folder's owner: the folder around it is 0700) could read the
 * database files anyway — no token to leak, nothing on the network.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { AppError, toAppError } from '../errors.js';
import { parseInput } from '../validation.js';
import { dumpEmbedded } from '../backup/embedded.js';
import { ADMIN_COMMANDS } from './admin-commands.js';

/** Unix socket paths are limited to 107 bytes on Linux (103 on macOS). */
const MAX_SOCKET_PATH = 100;
const MAX_BODY_BYTES = 64 * 1024;

export const adminSocketPath = (dataDir: string) => path.join(dataDir, 'admin', 'admin.sock');

export const socketPathTooLong = (socketPath: string) => Buffer.byteLength(socketPath) > MAX_SOCKET_PATH;

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new AppError('PAYLOAD_TOO_LARGE', 'The command is too large.'));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new AppError('VALIDATION_FAILED', 'The command is not JSON.'));
      }
    });
    req.on('error', reject);
  });
}

async function handle(deps: Deps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  if (req.method === 'GET' && url.pathname === '/backup') {
    deps.logger.info('backup of the embedded database requested through the admin socket');
    const tarball = await dumpEmbedded(deps.db);
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': tarball.byteLength }).end(tarball);
    return;
  }
  const name = /^\/commands\/([a-z-]+)$/.exec(url.pathname)?.[1];
  const command = name === undefined ? undefined : ADMIN_COMMANDS[name];
  if (req.method !== 'POST' || !command) throw new AppError('NOT_FOUND', `No such admin request: ${req.method} ${url.pathname}`);
  const input = parseInput(command.input, await readBody(req));
  // The command's name only: its input may hold a password.
  deps.logger.info({ command: name }, 'admin command run through the admin socket');
  const body = JSON.stringify({ data: await command.run(deps.db.knex, input) });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
}

export interface AdminSocket {
  path: string;
  close(): Promise<void>;
}

/** Listens on DATA_DIR/admin/admin.sock (embedded database on disk only); null, with a warning, where it cannot. */
export async function openAdminSocket(deps: Deps): Promise<AdminSocket | null> {
  if (deps.db.kind !== 'pglite') return null;
  const socketPath = adminSocketPath(deps.config.dataDir);
  if (socketPathTooLong(socketPath)) {
    deps.logger.warn({ socketPath }, 'DATA_DIR is too long a path for the admin socket: `npm run admin` and `npm run backup` work only while the server is stopped');
    return null;
  }
  const server = http.createServer((req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      const error = toAppError(err);
      if (error.isServerFault) deps.logger.error({ err }, 'admin request failed');
      if (!res.headersSent) res.writeHead(error.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: error.toBody() }));
    });
  });
  try {
    fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.dirname(socketPath), 0o700);
    // Left by a process that died: we hold the data folder's lock, so it is no one's.
    fs.rmSync(socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  } catch (err) {
    // The app serves without it; only the tools need the server stopped then.
    deps.logger.warn({ socketPath, err: (err as Error).message }, 'no admin socket: `npm run admin` and `npm run backup` work only while the server is stopped');
    return null;
  }
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
