/** Fixtures for the operations tests: sockets to any server URL, throwaway PostgreSQL databases, temp data folders. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { SessionPayload } from '../../src/realtime/events.js';
import { spawnServer, type ServerProcess } from './spawn-server.js';
import { eventually } from './eventually.js';
import { usingPostgres } from './test-config.js';

/**
 * `spawnServer` with LOG_LEVEL=info: it waits for the "listening" log line, which the silent
 * level testEnv() picks for in-process apps would hide.
 */
export function startServer(env: Record<string, string | undefined> = {}): Promise<ServerProcess> {
  return spawnServer({ LOG_LEVEL: 'info', ...env });
}

/** Stops (SIGKILL) every process of `servers` still running. */
export async function killAll(servers: ServerProcess[]): Promise<void> {
  for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) await server.kill();
}

/** `eventually` for a condition the test's own listeners keep (no request to wait for). */
export const until = (condition: () => boolean, what: string, timeoutMs = 10_000) => eventually(condition, what, timeoutMs);

/** Real socket.io clients against any base URL (a spawned process), closed together at the end. */
export class SocketPool {
  private readonly sockets: Socket[] = [];

  open(url: string, namespace: '/visitor' | '/agent', auth: Record<string, unknown>): Socket {
    const socket = io(url + namespace, { auth, transports: ['websocket'], forceNew: true, reconnection: false });
    this.sockets.push(socket);
    return socket;
  }

  /** Connects to /visitor and waits for `session`. */
  visitor(url: string, projectId: string, token?: string): Promise<{ socket: Socket; session: SessionPayload }> {
    const socket = this.open(url, '/visitor', { projectId, ...(token ? { token } : {}) });
    return new Promise((resolve, reject) => {
      socket.once('session', (session: SessionPayload) => resolve({ socket, session }));
      socket.once('connect_error', reject);
    });
  }

  /** Connects to /agent and waits for `connect`. */
  agent(url: string, token: string, projectId: string): Promise<Socket> {
    const socket = this.open(url, '/agent', { token, projectId });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  closeAll(): void {
    for (const socket of this.sockets.splice(0)) socket.disconnect();
  }
}

/** The maintenance database of the PostgreSQL server the run's DATABASE_URL points at. */
function serverUrl(database: string): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the run's PostgreSQL server: its URL and a way to drop it. */
export async function throwawayDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `pingstreams_race_${randomBytes(6).toString('hex')}`;
  await onServer(`create database ${name}`);
  return { name, url: serverUrl(name), drop: () => onServer(`drop database if exists ${name} with (force)`) };
}

/**
 * A database of its own, migrated, on the run's database kind: a throwaway database on the
 * PostgreSQL server when the tests use one, else PGlite in memory. `close` closes and drops it.
 */
export async function migratedDatabase(): Promise<{ db: Database; close(): Promise<void> }> {
  const fresh = usingPostgres() ? await throwawayDatabase() : null;
  const db = openDatabase(fresh ? { kind: 'postgres', url: fresh.url } : { kind: 'pglite-memory' });
  await migrateToLatest(db);
  return {
    db,
    close: async () => {
      await db.close();
      await fresh?.drop();
    },
  };
}

/** Runs `query` on the database at `url` and returns its rows. */
export async function queryAt<T = Record<string, unknown>>(url: string, query: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(query, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A new empty folder under the OS temp dir, and a way to remove it. */
export function tempDataDir(label: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pingstreams-${label}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
