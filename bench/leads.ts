/** Email lookup and substring search over a project's leads, bulk-loaded with generate_series, through the REST API. */
import http from 'node:http';
import pg from 'pg';
import type { Tenant } from './clients.js';
import { cpuMicrosOf, majorFaultsOf, percentile, stealMillis } from './stats.js';

export interface LeadsResult {
  leads: number;
  loadSeconds: number;
  emailP50: number;
  emailP99: number;
  searchP50: number;
  searchP99: number;
  /** GET /healthz on the same server, timed the same way: what one request costs here with no query and no token. */
  floorP50: number;
  floorP99: number;
  /** Over the measured email lookups: the server's CPU per lookup (µs), its major page faults, and the machine's steal (ms). */
  emailServerCpu: number;
  emailMajorFaults: number;
  emailStealMs: number;
}

/** Adds leads to the tenant's project until it holds `total` (leads i: "Lead i", lead<i>@example.test). */
export async function loadLeads(databaseUrl: string, projectId: string, from: number, total: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = performance.now();
  try {
    const chunk = 100_000;
    for (let start = from + 1; start <= total; start += chunk) {
      const end = Math.min(total, start + chunk - 1);
      await client.query(
        `insert into leads (id, project_id, fullname, email, phone, created_at, updated_at)
         select gen_random_uuid(), $1, 'Lead ' || g, 'lead' || g || '@example.test', '+1555' || lpad(g::text, 7, '0'),
                now() - g * interval '1 second', now()
           from generate_series($2::int, $3::int) g`,
        [projectId, start, end],
      );
    }
    // VACUUM too, and a checkpoint: autovacuum and the checkpointer would otherwise work on the load while the lookups are timed.
    await client.query('vacuum (analyze) leads');
    await client.query('checkpoint');
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

async function timed(samples: number, run: (i: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await run(i);
    times.push(performance.now() - t0);
  }
  return times;
}

/**
 * GET one path over one kept-alive connection (node:http), and its body as JSON.
 *
 * Not fetch: undici's fetch spends enough in the load generator (WHATWG streams, and the garbage
 * they leave) that a bare node:http server behind it showed a p99 of 1.2–2.3 ms, against
 * 0.4 ms behind this client (bench/leads.ts's history in docs/performance.md).
 */
export function getter(url: string): { get(path: string, token?: string): Promise<any>; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    get: (path, token) =>
      new Promise((resolve, reject) => {
        const headers: http.OutgoingHttpHeaders = token ? { authorization: `Bearer ${token}` } : {};
        http
          .get(url + path, { agent, headers }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => {
              if ((res.statusCode ?? 0) >= 300) reject(new Error(`GET ${path}: ${res.statusCode} ${body}`));
              else resolve(body ? JSON.parse(body) : null);
            });
            res.on('error', reject);
          })
          .on('error', reject);
      }),
    close: () => agent.destroy(),
  };
}

/**
 * Unmeasured requests before each measured series: 5,000 lookups and 5,000 /healthz, then 100
 * substring searches. After 1,000 of each (until the sixth round), a series measured next still
 * ran warmer and warmer: its p50 1.43–1.49 ms against 1.25–1.35 ms in the series that followed it
 * on the same server, and its p99 4.6–6.0 ms against 2.7–4.3 ms (bench/leads.ts's history in
 * docs/performance.md).
 */
export const WARM_UP = { lookups: 5_000, searches: 100 };

/**
 * p50/p99 of GET …/leads?email= (exact) and ?q= (substring), one request at a time, after a
 * warm-up. Measured on a fresh server, the first few thousand requests ran 1.5–3× slower than the
 * later ones (JIT): the warm-up makes the figures those of a server that has been serving, as
 * the chat phases' warm-up does. At 1,000,000 leads it looks up other leads than the measured
 * ones, so that none of the measured rows is in PostgreSQL's cache because of it (at 1,000 it
 * goes round all of them).
 */
export async function measureLeads(url: string, serverPid: number, tenant: Tenant, leads: number, samples: number): Promise<Omit<LeadsResult, 'loadSeconds'>> {
  const path = `/v1/projects/${tenant.projectId}/leads`;
  const pick = (i: number) => 1 + ((i * 7919) % leads);
  const client = getter(url);
  const lookup = async (i: number) => {
    const page = await client.get(`${path}?email=LEAD${pick(i)}@example.test`, tenant.ownerToken);
    if (page.data?.length !== 1) throw new Error(`email lookup found ${JSON.stringify(page).slice(0, 200)}`);
  };
  // A substring in the middle of the address: no prefix index can serve it.
  const search = (i: number) => client.get(`${path}?q=ad${pick(i)}@exa`, tenant.ownerToken);
  // The floor: the same client, server and connection, no token, no query.
  const floor = () => client.get('/healthz');
  try {
    const unmeasured = (i: number) => samples + i;
    for (let i = 0; i < WARM_UP.lookups; i++) {
      await lookup(unmeasured(i));
      await floor();
    }
    for (let i = 0; i < WARM_UP.searches; i++) await search(unmeasured(i));
    // What the server and the machine did during the lookups: a slow series shows whether the server worked more, waited for the disk, or the host took the CPUs.
    const [cpu, faults, steal] = [cpuMicrosOf(serverPid), majorFaultsOf(serverPid), stealMillis()];
    const emails = await timed(samples, lookup);
    const [emailServerCpu, emailMajorFaults, emailStealMs] = [(cpuMicrosOf(serverPid) - cpu) / samples, majorFaultsOf(serverPid) - faults, stealMillis() - steal];
    const floors = await timed(samples, floor);
    const searches = await timed(samples, search);
    return { leads, emailP50: percentile(emails, 50), emailP99: percentile(emails, 99), searchP50: percentile(searches, 50), searchP99: percentile(searches, 99), floorP50: percentile(floors, 50), floorP99: percentile(floors, 99), emailServerCpu, emailMajorFaults, emailStealMs };
  } finally {
    client.close();
  }
}
