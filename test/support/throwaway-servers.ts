/**
 * Servers a test starts, breaks and removes by itself (a redis-server on a spare port in a temp
 * folder), so that stopping them never disturbs the shared ones other tests use.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Redis } from 'ioredis';
import { tempDataDir } from './ops-fixtures.js';

/** A TCP port nothing listens on right now (the kernel picks it; a tiny race remains). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether `redis-server` can be run here (CI installs it; the outage tests need it). */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface ThrowawayRedisOptions {
  /**
   * Keep data across restarts with an append-only file fsynced on every write, as a production
   * Redis would; without it a restart starts empty. @default false
   */
  persistent?: boolean;
}

export interface ThrowawayRedis {
  port: number;
  url: string;
  running(): boolean;
  /** Starts it (again) on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** SIGKILL: a crash, not a clean shutdown (with `persistent`, acknowledged writes survive). */
  kill(): Promise<void>;
  /** Empties the data folder, so that the next start begins with nothing. */
  wipe(): void;
  /** Kills it and removes its folder. */
  remove(): Promise<void>;
}

/** A redis-server of the test's own, on a spare port, not started until `start()` unless `started`. */
export async function throwawayRedis(options: ThrowawayRedisOptions & { started?: boolean } = {}): Promise<ThrowawayRedis> {
  const port = await freePort();
  const folder = tempDataDir('redis');
  const dataDir = `${folder.dir}/data`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const persistence = options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const redis: ThrowawayRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    running: () => child !== null,
    async start() {
      if (child) return;
      fs.mkdirSync(dataDir, { recursive: true });
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--daemonize', 'no', '--dir', dataDir, '--logfile', ''];
      const started = spawn('redis-server', args, { stdio: 'ignore' });
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      await waitForPing(port, 10_000);
    },
    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited;
      child = null;
    },
    wipe() {
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    async remove() {
      await redis.kill();
      folder.remove();
    },
  };
  if (options.started ?? true) await redis.start();
  return redis;
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}

export interface TcpGate {
  port: number;
  /** Refuses new connections and cuts the open ones, as a network partition would. */
  shut(): Promise<void>;
  /** Forwards again. */
  open(): Promise<void>;
}

/** A TCP forwarder to `targetPort` on a port of its own, to cut one client off while others stay connected. */
export async function tcpGate(targetPort: number): Promise<TcpGate> {
  const port = await freePort();
  const links = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      links.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        links.delete(from);
        to.destroy();
      });
      from.pipe(to);
    }
  });
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen();
  return {
    port,
    async shut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const link of links) link.destroy();
      await closed;
    },
    open: listen,
  };
}
