/** Fixtures for the self-hosting tests: a database of the test's own, and the command-line tools run as real processes. */
import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../support/spawn-server.js';
import { tempDataDir, throwawayDatabase } from '../support/ops-fixtures.js';
import { testEnv, usingPostgres } from '../support/test-config.js';

export interface OwnDatabase {
  /** What a server or a tool needs in its environment to use this database. */
  env: Record<string, string | undefined>;
  /** PostgreSQL only: its URL. */
  url: string | null;
  /** Embedded only: its DATA_DIR. */
  dataDir: string | null;
  remove(): Promise<void>;
}

/**
 * An empty database of the test's own, of the run's kind: a throwaway PostgreSQL database, or a
 * temp DATA_DIR for the embedded one (on disk: a server holds it, the CLI goes through the
 * server) — or, with `onlyOneProcess`, an embedded one in the server's memory.
 */
export async function ownDatabase(label: string, options: { onlyOneProcess?: boolean } = {}): Promise<OwnDatabase> {
  if (usingPostgres()) {
    const db = await throwawayDatabase();
    return { env: { DATABASE_URL: db.url }, url: db.url, dataDir: null, remove: () => db.drop() };
  }
  // Embedded, used by the server alone: in memory, which starts quicker than a folder on disk.
  if (options.onlyOneProcess) return { env: { DATABASE_URL: 'memory://' }, url: null, dataDir: null, remove: async () => {} };
  const data = tempDataDir(label);
  return { env: { DATABASE_URL: undefined, DATA_DIR: data.dir }, url: null, dataDir: data.dir, remove: async () => data.remove() };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child process: this one's, the test defaults, then `env` (undefined removes). */
export function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...testEnv(), LOG_LEVEL: 'info', ...env })) {
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** Runs `node <args>` to its end, feeding `input` on stdin; stdout and stderr apart. */
export function runNode(args: string[], env: Record<string, string | undefined>, options: { input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<Finished> {
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? PROJECT_ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** One of the command-line tools (src/cli/<tool>.ts) through tsx, as `npm run <tool> -- args` runs its build. */
export function runTool(tool: 'admin' | 'backup' | 'restore', args: string[], env: Record<string, string | undefined>, options: { input?: string } = {}): Promise<Finished> {
  return runNode(['--import', 'tsx', `${PROJECT_ROOT}src/cli/${tool}.ts`, ...args], env, options);
}

/** Like runTool, but throws (with everything it printed) unless it exits 0; returns its --json output parsed. */
export async function runToolJson<T = any>(tool: 'admin' | 'backup' | 'restore', args: string[], env: Record<string, string | undefined>, options: { input?: string } = {}): Promise<T> {
  const done = await runTool(tool, [...args, '--json'], env, options);
  if (done.code !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${done.code}:\n${done.stdout}${done.stderr}`);
  return JSON.parse(done.stdout) as T;
}

/**
 * Runs a tool under `script`, so that its standard input is a terminal, and types `answer`
 * (then Enter) once it prints `prompt`. Everything the terminal showed comes back in stdout.
 */
export function runAtTerminal(tool: 'admin', args: string[], env: Record<string, string | undefined>, prompt: string, answer: string): Promise<Finished> {
  const command = [process.execPath, '--import', 'tsx', `${PROJECT_ROOT}src/cli/${tool}.ts`, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: PROJECT_ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let answered = false;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (!answered && stdout.includes(prompt)) {
      answered = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ code, stdout, stderr });
    }),
  );
}
