/**
 * What one REST request leaves to the garbage collector, from the server's own `--trace-gc-nvp`:
 * Pingstreams spawned on PostgreSQL + Redis as `npm run bench` spawns it (a database of its own,
 * dropped afterwards) with 1,000 leads (or `leads`), then, one request at a time over one
 * kept-alive connection, 5,000 unmeasured email lookups (of other leads than the measured ones, as
 * the bench does) and for each series below N requests (3,000 by default): `GET /healthz` and the
 * email lookup. Per series: KB allocated per request, MB promoted per scavenge, the scavenges'
 * pauses (p50, max), mark-compacts, and the requests' p50/p99 as this client saw them. Not part
 * of `npm run bench`: run it on its own (docs/performance.md, tenth round).
 *
 *   npx tsx bench/gc-per-request.ts [N] [leads]   # PG_URL, REDIS_URL as for npm run bench
 *   SERVER_NODE_ARGS="--max-semi-space-size=64" npx tsx bench/gc-per-request.ts
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { newTenant } from './clients.js';
import { loadLeads } from './leads.js';
import { spawnPostgresServer } from './servers.js';
import { percentile } from './stats.js';

const N = Number(process.argv[2] ?? 3_000);
const LEADS = Number(process.argv[3] ?? 1_000);
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-gc-'));
const logFile = path.join(logDir, 'server.log');
const nodeArgs = ['--trace-gc', '--trace-gc-nvp', ...(process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
const server = await spawnPostgresServer({
  pgAdminUrl: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  nodeArgs,
  outputFile: logFile,
});

/**
 * Where the server's output stands once what it printed so far has been read: a GC line comes
 * through the pipe a moment after the request that caused it has been answered.
 */
async function offset(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  return fs.statSync(logFile).size;
}

/** The GCs in the server's `--trace-gc-nvp` lines (key=value pairs) between two offsets. */
function gcsBetween(from: number, to: number) {
  const text = fs.readFileSync(logFile).subarray(from, to).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.includes(' gc='))
    .map((line) => Object.fromEntries([...line.matchAll(/([\w.]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])))
    .map((f) => ({ kind: f.gc!, pause: Number(f.pause), allocated: Number(f.allocated), promoted: Number(f.promoted) }));
}

try {
  const tenant = await newTenant(server.url);
  await loadLeads(server.databaseUrl!, tenant.projectId, 0, LEADS);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (requestPath: string, headers: http.OutgoingHttpHeaders) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      http
        .get(server.url + requestPath, { agent, headers }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`${requestPath}: ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  const auth = { authorization: `Bearer ${tenant.ownerToken}` };
  const lookup = (i: number) => get(`/v1/projects/${tenant.projectId}/leads?email=LEAD${1 + ((i * 7919) % LEADS)}@example.test`, auth);
  const series = { healthz: () => get('/healthz', {}), 'email lookup': lookup };

  for (let i = 0; i < 5_000; i++) await lookup(N + i);
  console.log(`gc-per-request ${new Date().toISOString()}: ${os.cpus().length} cores, node ${process.version}, ${N} requests per series, ${LEADS} leads, server flags ${nodeArgs.join(' ')}`);
  for (const [label, request] of Object.entries(series)) {
    const from = await offset();
    const times: number[] = [];
    for (let i = 0; i < N; i++) times.push(await request(i));
    const gcs = gcsBetween(from, await offset());
    const scavenges = gcs.filter((g) => g.kind === 's');
    const allocated = gcs.reduce((sum, g) => sum + g.allocated, 0);
    const promoted = scavenges.reduce((sum, g) => sum + g.promoted, 0);
    const pauses = scavenges.map((g) => g.pause);
    console.log(
      `${label.padEnd(13)} p50 ${percentile(times, 50).toFixed(2)} ms p99 ${percentile(times, 99).toFixed(2)} ms; ${(allocated / N / 1024).toFixed(1)} KB allocated per request; ` +
        `${scavenges.length} scavenges, ${(promoted / Math.max(1, scavenges.length) / 1e6).toFixed(2)} MB promoted per scavenge, pause p50 ${pauses.length ? percentile(pauses, 50).toFixed(1) : '-'} ms max ${pauses.length ? Math.max(...pauses).toFixed(1) : '-'} ms; ` +
        `${gcs.length - scavenges.length} other GCs (mark-compact…)`,
    );
  }
  agent.destroy();
} finally {
  await server.cleanup();
  fs.rmSync(logDir, { recursive: true, force: true });
}
