/** Spawns what the bench measures: the bare relay, and Pingstreams on PostgreSQL + Redis or on the embedded default. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const JWT_SECRET = 'pingstreams-bench-secret-0123456789abcdefghijklmnop';
/** How much of a spawned process's output is kept for error messages. */
const KEEP_BYTES = 20_000;

export interface Spawned {
  url: string;
  pid: number;
  /** The last lines the process printed (for error messages). */
  tail(): string;
  stop(): Promise<void>;
}

/** Runs `node --import tsx <script>` and resolves once it logs {"msg":"listening","port":…}. */
/**
 * `outputFile`: where the process's whole output is copied as it comes (by default, with
 * BENCH_SERVER_LOG set, `$BENCH_SERVER_LOG.<script>.<ms>`; otherwise nowhere).
 */
export function spawnNode(
  script: string,
  env: Record<string, string | undefined>,
  nodeArgs: string[] = [],
  outputFile = process.env.BENCH_SERVER_LOG ? `${process.env.BENCH_SERVER_LOG}.${path.basename(script)}.${Date.now()}` : undefined,
): Promise<Spawned> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) merged[k] = v;
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, script)], { cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  // What it printed last, for error messages: chunks kept as they come (a request's access line
  // is one), joined only when asked. Re-slicing one string per chunk cost the load generator
  // 20 KB of garbage per REST request, in the same process that times the requests.
  const chunks: Buffer[] = [];
  let kept = 0;
  const copy = outputFile !== undefined ? fs.openSync(outputFile, 'w') : null;
  const keep = (chunk: Buffer) => {
    if (copy !== null) fs.writeSync(copy, chunk);
    chunks.push(chunk);
    kept += chunk.length;
    while (kept - chunks[0]!.length >= KEEP_BYTES) kept -= chunks.shift()!.length;
  };
  const printed = () => Buffer.concat(chunks).toString().slice(-KEEP_BYTES);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (copy !== null) void exited.then(() => fs.closeSync(copy));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start:\n${printed()}`));
    }, 120_000);
    child.stderr!.on('data', keep);
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      const match = /"msg":"listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"listening"/.exec(printed());
      if (!match) return;
      clearTimeout(timer);
      const port = Number(match[1] ?? match[2]);
      // Resolve once only: later output keeps being kept but nothing is parsed any more.
      child.stdout!.removeAllListeners('data');
      child.stdout!.on('data', keep);
      resolve({
        url: `http://127.0.0.1:${port}`,
        pid: child.pid!,
        tail: printed,
        async stop() {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before listening:\n${printed()}`));
    });
  });
}

export const spawnRelay = (nodeArgs: string[] = []) => spawnNode('bench/relay.ts', {}, nodeArgs);

export interface ServerUnderTest extends Spawned {
  kind: 'postgres' | 'embedded';
  /** postgres:// URL of its own database (postgres only), for bulk loads. */
  databaseUrl: string | null;
  /** Embedded only: its DATA_DIR (the database is in DATA_DIR/pgdata), for bulk loads while it is stopped. */
  dataDir: string | null;
  cleanup(): Promise<void>;
}

const commonEnv = {
  JWT_SECRET,
  LOG_LEVEL: 'info',
  PORT: '0',
  SIGNUP: 'open',
  // The bench is one client IP firing thousands of commands and handshakes.
  RATE_LIMIT_LOGIN: '0',
  RATE_LIMIT_HANDSHAKE: '0',
  RATE_LIMIT_SOCKET: '0',
  NODE_ENV: 'development',
};

/** A new database `pingstreams_<label>_<pid>_<ms>` on the PostgreSQL at `pgAdminUrl` (createdb): its URL, and a way to drop it. */
export function throwawayDatabase(pgAdminUrl: string, label: string): { url: string; drop(): void } {
  const name = `pingstreams_${label}_${process.pid}_${Date.now()}`;
  const admin = new URL(pgAdminUrl);
  const psqlArgs = ['-h', admin.hostname, '-p', admin.port || '5432', '-U', admin.username || 'postgres'];
  execFileSync('createdb', [...psqlArgs, name]);
  const url = `${admin.protocol}//${admin.username || 'postgres'}${admin.password ? `:${admin.password}` : ''}@${admin.hostname}:${admin.port || '5432'}/${name}`;
  return { url, drop: () => execFileSync('dropdb', [...psqlArgs, '--if-exists', name]) };
}

/** Pingstreams on a throwaway database of its own on the PostgreSQL at PG_URL, with Redis at REDIS_URL. */
export async function spawnPostgresServer(options: { pgAdminUrl: string; redisUrl: string; nodeArgs?: string[]; outputFile?: string }): Promise<ServerUnderTest> {
  const database = throwawayDatabase(options.pgAdminUrl, 'bench');
  let server: Spawned;
  try {
    server = await spawnNode('src/main.ts', { ...commonEnv, DATABASE_URL: database.url, REDIS_URL: options.redisUrl }, options.nodeArgs, options.outputFile);
  } catch (err) {
    database.drop();
    throw err;
  }
  return {
    ...server,
    kind: 'postgres',
    databaseUrl: database.url,
    dataDir: null,
    async cleanup() {
      await server.stop();
      database.drop();
    },
  };
}

/** A new temporary DATA_DIR for spawnEmbeddedServer. */
const newDataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-bench-'));

/**
 * Pingstreams as a newcomer runs it: embedded PGlite in a temporary DATA_DIR, no Redis. Given a
 * `dataDir`, it starts on that folder as it was left (stop() keeps it, cleanup() removes it).
 */
export async function spawnEmbeddedServer(options: { nodeArgs?: string[]; dataDir?: string } = {}): Promise<ServerUnderTest> {
  const dataDir = options.dataDir ?? newDataDir();
  let server: Spawned;
  try {
    server = await spawnNode('src/main.ts', { ...commonEnv, DATABASE_URL: undefined, REDIS_URL: undefined, DATA_DIR: dataDir }, options.nodeArgs);
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...server,
    kind: 'embedded',
    databaseUrl: null,
    dataDir,
    async cleanup() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
