/** N idle visitor sockets on one process: handshakes per second and resident memory per socket. */
import type { Socket } from 'socket.io-client';
import { closeAll, connect, pool } from './clients.js';
import { cpuMicrosOf, rssOf, sleep } from './stats.js';

export interface IdleResult {
  sockets: number;
  /** How long the measured handshakes took. */
  seconds: number;
  handshakesPerSecond: number;
  bytesPerSocket: number;
  /** The server's CPU time (user + system) per handshake, in µs: it moves less with the load than handshakes/s. */
  cpuMicrosPerHandshake: number;
  failed: number;
}

/**
 * Connects `n` sockets (at most `concurrency` handshakes in flight), then measures the server's
 * RSS growth. Both servers first get a warm-up round (a tenth of `n`, connected then closed): the
 * figures are then those of warm code and a heap that has grown once, not of a process's first
 * thousand handshakes (the chat phases are long for the same reason).
 */
export async function runIdle(url: string, pid: number, n: number, auth: () => Record<string, unknown>, waitForSession: boolean, concurrency = 100): Promise<IdleResult> {
  const warmUp: Socket[] = [];
  await pool(Array.from({ length: Math.ceil(n / 10) }), concurrency, async () => {
    warmUp.push(await connect(url, '/visitor', auth(), waitForSession));
  });
  closeAll(warmUp);
  await sleep(2000);
  const before = rssOf(pid);
  const sockets: Socket[] = [];
  let failed = 0;
  const started = performance.now();
  const cpuBefore = cpuMicrosOf(pid);
  await pool(Array.from({ length: n }), concurrency, async () => {
    try {
      sockets.push(await connect(url, '/visitor', auth(), waitForSession));
    } catch {
      failed++;
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuMicros = cpuMicrosOf(pid) - cpuBefore;
  // Let allocation settle (the handshakes' garbage is collected while the sockets stay).
  await sleep(3000);
  const after = rssOf(pid);
  closeAll(sockets);
  return { sockets: sockets.length, seconds, handshakesPerSecond: sockets.length / seconds, bytesPerSocket: (after - before) / Math.max(1, sockets.length), cpuMicrosPerHandshake: cpuMicros / Math.max(1, sockets.length), failed };
}
