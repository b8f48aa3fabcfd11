/**
 * What one REST request leaves to the garbage collector, from the server's own `--trace-gc-nvp`:
 * Pingstreams spawned on PostgreSQL + Redis (a database of its own, dropped afterwards) with
 * 1,000 leads (or `leads`), then, one request at a time over one kept-alive connection, 5,000
 * unmeasured email lookups (of other leads than the measured ones, as the bench does) and for each series below N requests (3,000 by default): `GET /healthz` and the
 * email lookup. Per series: KB allocated per request, MB promoted per scavenge, the scavenges'
 * pauses (p50, max), mark-compacts, and the requests' p50/p99 as this client saw them. Not part
 * of `npm run bench`: run it on its own (docs/performance.md, tenth round).
 *
 *   npx tsx bench/gc-per-request.ts [N] [leads]   # PG_URL, REDIS_URL as for npm run bench
 *   SERVER_NODE_ARGS="--max-semi-space-size=64" npx tsx bench/gc-per-request.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { newTenant } from './clients.js';
import { loadLeads } from './leads.js';
import { ROOT } from './servers.js';
import { percentile } from './stats.js';

const N = Number(process.argv[2] ?? 3_000);
const LEADS = Number(process.argv[3] ?? 1_000);
const admin = new URL(process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const psqlArgs = ['-h', admin.hostname, '-p', admin.port || '5432', '-U', admin.username || 'postgres'];
const name = `pingstreams_gc_${process.pid}`;
const databaseUrl = `postgres://${admin.username || 'postgres'}${admin.password ? `:${admin.password}` : ''}@${admin.hostname}:${admin.port || '5432'}/${name}`;
const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-gc-')), 'server.log');

execFileSync('createdb', [...psqlArgs, name]);
const out = fs.openSync(logFile, 'w');
const nodeArgs = ['--trace-gc', '--trace-gc-nvp', ...(process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
const server = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
  cwd: ROOT,
  env: { ...process.env, JWT_SECRET: 'pingstreams-bench-secret-0123456789abcdefghijklmnop', LOG_LEVEL: 'info', PORT: '0', SIGNUP: 'open', RATE_LIMIT_LOGIN: '0', DATABASE_URL: databaseUrl, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  stdio: ['ignore', out, out],
});

/** The server's output between two marks this script wrote into it. */
const mark = (label: string) => fs.writeSync(out, `\nGC-PER-REQUEST ${label}\n`);

try {
  let port = 0;
  for (let i = 0; i < 1_200 && !port; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const listening = /"msg":"listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"listening"/.exec(fs.readFileSync(logFile, 'utf8'));
    if (listening) port = Number(listening[1] ?? listening[2]);
  }
  if (!port) throw new Error(`the server did not start:\n${fs.readFileSync(logFile, 'utf8').slice(-2_000)}`);
  const url = `http://127.0.0.1:${port}`;
  const tenant = await newTenant(url);
  await loadLeads(databaseUrl, tenant.projectId, 0, LEADS);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (requestPath: string, headers: http.OutgoingHttpHeaders) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      http
        .get(url + requestPath, { agent, headers }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`${requestPath}: ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  const auth = { authorization: `Bearer ${tenant.ownerToken}` };
  const lookup = (i: number) => get(`/v1/projects/${tenant.projectId}/leads?email=LEAD${1 + ((i * 7919) % LEADS)}@example.test`, auth);
  const series = { healthz: () => get('/healthz', {}), 'email lookup': lookup };

  for (let i = 0; i < 5_000; i++) await lookup(N + i);
  const times: Record<string, number[]> = {};
  for (const [label, request] of Object.entries(series)) {
    mark(`start ${label}`);
    times[label] = [];
    for (let i = 0; i < N; i++) times[label]!.push(await request(i));
    mark(`end ${label}`);
  }
  agent.destroy();

  const log = fs.readFileSync(logFile, 'utf8');
  console.log(`gc-per-request ${new Date().toISOString()}: ${os.cpus().length} cores, node ${process.version}, ${N} requests per series, ${LEADS} leads, server flags ${nodeArgs.join(' ')}`);
  for (const label of Object.keys(series)) {
    const window = log.slice(log.indexOf(`GC-PER-REQUEST start ${label}`), log.indexOf(`GC-PER-REQUEST end ${label}`));
    const gcs = [...window.matchAll(/pause=([\d.]+) .*?gc=(\w+) .*?promoted=(\d+) .*?allocated=(\d+)|pause=([\d.]+) .*?gc=(\w+) .*?allocated=(\d+) .*?promoted=(\d+)/g)].map((m) => ({
      pause: Number(m[1] ?? m[5]),
      kind: m[2] ?? m[6],
      promoted: Number(m[3] ?? m[8]),
      allocated: Number(m[4] ?? m[7]),
    }));
    const scavenges = gcs.filter((g) => g.kind === 's');
    const allocated = gcs.reduce((sum, g) => sum + g.allocated, 0);
    const promoted = scavenges.reduce((sum, g) => sum + g.promoted, 0);
    const pauses = scavenges.map((g) => g.pause);
    const t = times[label]!;
    console.log(
      `${label.padEnd(13)} p50 ${percentile(t, 50).toFixed(2)} ms p99 ${percentile(t, 99).toFixed(2)} ms; ${(allocated / N / 1024).toFixed(1)} KB allocated per request; ` +
        `${scavenges.length} scavenges, ${(promoted / Math.max(1, scavenges.length) / 1e6).toFixed(2)} MB promoted per scavenge, pause p50 ${pauses.length ? percentile(pauses, 50).toFixed(1) : '-'} ms max ${pauses.length ? Math.max(...pauses).toFixed(1) : '-'} ms; ` +
        `${gcs.length - scavenges.length} other GCs (mark-compact…)`,
    );
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  execFileSync('dropdb', [...psqlArgs, '--if-exists', name]);
  fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
}
