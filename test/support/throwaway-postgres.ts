/**
 * A PostgreSQL server of the test's own (initdb + pg_ctl on a spare port in a temp folder), so
 * that an outage test can stop, crash or freeze it without disturbing the shared server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ThrowawayPostgres {
  port: number;
  /** postgres://… for `database` on this server. */
  url(database?: string): string;
  start(): void;
  /** `fast` ends sessions politely (57P01); `immediate` is a crash, recovered from the WAL at the next start. */
  stop(mode?: 'fast' | 'immediate'): void;
  isRunning(): boolean;
  /** SIGSTOP to the server and its backends: a host that hangs without closing a single connection. */
  freeze(): void;
  /** SIGCONT: the frozen server carries on where it stopped. */
  thaw(): void;
  /** Stops it (if running) and removes the folder. */
  destroy(): void;
  /** The server's log, for failure messages. */
  log(): string;
}

/** The newest PostgreSQL server binaries installed (Debian layout), or a loud error: CI must not skip this. */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`no initdb under ${root}/*/bin: the PostgreSQL outage tests start a server of their own (apt-get install postgresql)`);
  }
  return path.join(root, versions[0]!, 'bin');
}

/** A free TCP port on 127.0.0.1 (free now; nothing else here grabs ports in the meantime). */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** initdb refuses to run as root: then every server command runs as the `postgres` OS user. */
function asServerUser(): { prefix: string[]; chown(dir: string): void } {
  if (process.getuid?.() !== 0) return { prefix: [], chown: () => {} };
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { prefix: ['runuser', '-u', 'postgres', '--'], chown: (dir) => fs.chownSync(dir, uid, gid) };
}

/** Sends `signal` to this cluster's postmaster (its pid is in postmaster.pid) and to its children. */
function signalAll(dataDir: string, signal: NodeJS.Signals): void {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  // The postmaster first: a stopped postmaster forks no new backend while we list them.
  process.kill(postmaster, signal);
  const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0);
  for (const pid of children) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      // A backend that ended between the listing and the signal (its client went away).
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = findPostgresBin();
  const user = asServerUser();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-pg-'));
  user.chown(root);
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'server.log');
  const port = await sparePort();

  const run = (program: string, args: string[]) => {
    const [command, ...rest] = [...user.prefix, path.join(bin, program), ...args];
    const result = spawnSync(command!, rest, { encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      throw new Error(`${program} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}${log}`);
    }
  };
  const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', dataDir, ...args]);
  let running = false;

  // --no-sync: a throwaway cluster need not survive a power cut; the server itself keeps fsync on.
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const server: ThrowawayPostgres = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start() {
      pgCtl('-o', `-p ${port} -k ${root} -c listen_addresses=127.0.0.1`, '-l', logFile, '-w', '-t', '60', 'start');
      running = true;
    },
    stop(mode = 'fast') {
      pgCtl('-m', mode, '-w', '-t', '60', 'stop');
      running = false;
    },
    isRunning: () => running,
    freeze: () => signalAll(dataDir, 'SIGSTOP'),
    thaw: () => signalAll(dataDir, 'SIGCONT'),
    destroy() {
      if (running) {
        server.thaw();
        server.stop('immediate');
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
  };
  try {
    server.start();
  } catch (err) {
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return server;
}
