/**
 * Where the email lookup's tail comes from: the lookups timed one at a time as the bench times
 * them (1,000 leads, after the same warm-up), while the machine's CPU is sampled every 100 ms
 * (/proc/stat, and /proc/<pid>/stat of the server and of this load generator). Prints how the
 * slow lookups (over twice the p50) cluster in time, and, for the 100 ms windows where the
 * lookups ran slow against the others: lookups per window, CPU per lookup of the server, of the
 * load generator and of everything else (PostgreSQL, Redis, the rest of the machine), steal, and
 * idle. Not part of `npm run bench`: run it on its own (docs/performance.md, "Eleventh round's code: four runs of 2026-12-02, evening").
 *
 *   npx tsx bench/lookup-bursts.ts [N] [rounds]   # N lookups per round (3,000), rounds (3); PG_URL, REDIS_URL as for npm run bench
 */
import fs from 'node:fs';
import os from 'node:os';
import { newTenant } from './clients.js';
import { getter, loadLeads, WARM_UP } from './leads.js';
import { spawnPostgresServer } from './servers.js';
import { cpuMicrosOf, fmt, percentile } from './stats.js';

const N = Number(process.argv[2] ?? 3_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const LEADS = 1_000;
const WINDOW_MS = 100;

/** /proc/stat's first line: user nice system idle iowait irq softirq steal, in µs (clock ticks of 10 ms). */
function machine(): number[] {
  return fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map((ticks) => Number(ticks) * 10_000);
}

/** One window's CPU time, all in µs. */
interface Window {
  /** performance.now() at its end. */
  end: number;
  busy: number;
  idle: number;
  steal: number;
  server: number;
  self: number;
}

function sampler(serverPid: number): { stop(): Window[] } {
  const windows: Window[] = [];
  let last = { m: machine(), server: cpuMicrosOf(serverPid), self: cpuMicrosOf(process.pid) };
  const timer = setInterval(() => {
    const now = { m: machine(), server: cpuMicrosOf(serverPid), self: cpuMicrosOf(process.pid) };
    const d = now.m.map((v, i) => v - last.m[i]!);
    windows.push({ end: performance.now(), busy: d[0]! + d[1]! + d[2]! + d[5]! + d[6]!, idle: d[3]! + d[4]!, steal: d[7]!, server: now.server - last.server, self: now.self - last.self });
    last = now;
  }, WINDOW_MS);
  return { stop: () => (clearInterval(timer), windows) };
}

const server = await spawnPostgresServer({
  pgAdminUrl: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
});
try {
  console.log(`lookup-bursts ${new Date().toISOString()}: ${os.cpus().length} cores, node ${process.version}, ${N} lookups × ${ROUNDS} rounds, ${LEADS} leads, windows of ${WINDOW_MS} ms`);
  const tenant = await newTenant(server.url);
  await loadLeads(server.databaseUrl!, tenant.projectId, 0, LEADS);
  const client = getter(server.url);
  const path = `/v1/projects/${tenant.projectId}/leads`;
  const lookup = (i: number) => client.get(`${path}?email=LEAD${1 + ((i * 7919) % LEADS)}@example.test`, tenant.ownerToken);
  for (let i = 0; i < WARM_UP.lookups; i++) await lookup(i);

  for (let round = 1; round <= ROUNDS; round++) {
    const ends: number[] = [];
    const times: number[] = [];
    const sampling = sampler(server.pid);
    for (let i = 0; i < N; i++) {
      const started = performance.now();
      await lookup(i);
      const end = performance.now();
      times.push(end - started);
      ends.push(end);
    }
    const windows = sampling.stop();
    const p50 = percentile(times, 50);
    const slow = times.map((t) => t > 2 * p50);
    // Slow lookups in runs of at least five in a row: a burst, not one unlucky request.
    let inBursts = 0;
    for (let i = 0; i < N; ) {
      let j = i;
      while (j < N && slow[j]) j++;
      if (j - i >= 5) inBursts += j - i;
      i = j + 1;
    }
    // Each window's lookups (by their end), its median latency, and whether it ran slow.
    const perWindow = windows.map((w, k) => {
      const start = k === 0 ? -Infinity : windows[k - 1]!.end;
      const mine = times.filter((_, i) => ends[i]! > start && ends[i]! <= w.end);
      return { w, count: mine.length, median: percentile(mine, 50) };
    }).filter((x) => x.count > 0);
    const describe = (name: string, group: typeof perWindow) => {
      if (group.length === 0) return console.log(`  ${name}: none`);
      const lookups = group.reduce((s, x) => s + x.count, 0);
      const sum = (f: (w: Window) => number) => group.reduce((s, x) => s + f(x.w), 0);
      const perLookup = (micros: number) => fmt(micros / lookups, 0);
      const msPerWindow = (micros: number) => micros / 1000 / group.length;
      console.log(
        `  ${name}: ${group.length} windows, ${fmt(lookups / group.length)} lookups each; CPU per lookup: server ${perLookup(sum((w) => w.server))} µs, load generator ${perLookup(sum((w) => w.self))} µs, ` +
          `everything else ${perLookup(sum((w) => w.busy - w.server - w.self))} µs; per window: busy ${fmt(msPerWindow(sum((w) => w.busy)), 0)} ms, idle ${fmt(msPerWindow(sum((w) => w.idle)), 0)} ms, steal ${fmt(msPerWindow(sum((w) => w.steal)))} ms (of ${2 * WINDOW_MS} ms of both cores)`,
      );
    };
    console.log(`round ${round}: p50 ${fmt(p50, 2)} ms, p99 ${fmt(percentile(times, 99), 2)} ms; ${slow.filter(Boolean).length} lookups over 2× p50, ${inBursts} of them in runs of 5 or more in a row`);
    describe('windows whose median lookup ran over 1.5× p50', perWindow.filter((x) => x.median > 1.5 * p50));
    describe('the other windows', perWindow.filter((x) => x.median <= 1.5 * p50));
  }
  client.close();
} finally {
  await server.cleanup();
}
