/** Backups of a PostgreSQL database with PostgreSQL's own tools: pg_dump's custom format and pg_restore. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

/** A tool the backup needs is not installed: said plainly, with how to get it. */
export class MissingToolError extends Error {
  override name = 'MissingToolError';
  constructor(readonly tool: string) {
    super(
      `${tool} is not on PATH. Backups of a PostgreSQL database use PostgreSQL's own ${tool}: install the client tools ` +
        `of your server's major version or newer (Debian/Ubuntu: apt-get install postgresql-client), or run it where they are installed.`,
    );
  }
}

/** A PostgreSQL tool ran and failed: its own words. */
export class ToolFailedError extends Error {
  override name = 'ToolFailedError';
}

/** The tool's version line, or a MissingToolError. */
export function requireTool(tool: 'pg_dump' | 'pg_restore'): string {
  const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new MissingToolError(tool);
  return probe.stdout.trim();
}

/**
 * The URL without its password, and the password in PGPASSWORD: a password in the arguments
 * would be visible to every user of the machine in the process list.
 */
function connection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function run(tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new ToolFailedError(`${tool} failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
    });
  });
}

/** pg_dump --format=custom into `file` (written beside it first, then renamed). */
export async function pgDump(url: string, file: string): Promise<void> {
  const { dbname, env } = connection(url);
  const partial = `${file}.partial-${process.pid}`;
  try {
    await run('pg_dump', ['--format=custom', `--file=${partial}`, `--dbname=${dbname}`], env);
    fs.chmodSync(partial, 0o600);
    fs.renameSync(partial, file);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** Sessions on the database other than our own: a server still running, most likely. */
export async function otherSessions(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/**
 * pg_restore into the database: what the backup holds is dropped first if it exists, then
 * recreated, in one transaction (a failure leaves the database as it was).
 */
export async function pgRestore(url: string, file: string): Promise<void> {
  const { dbname, env } = connection(url);
  await run(
    'pg_restore',
    ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${dbname}`, file],
    env,
  );
}
