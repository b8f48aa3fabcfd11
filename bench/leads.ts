/** Email lookup and substring search over a project's leads, bulk-loaded with generate_series, through the REST API. */
import pg from 'pg';
import { rest, type Tenant } from './clients.js';
import { percentile } from './stats.js';

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

/** p50/p99 of GET …/leads?email= (exact) and ?q= (substring), one request at a time. */
export async function measureLeads(url: string, tenant: Tenant, leads: number, samples: number): Promise<Omit<LeadsResult, 'loadSeconds'>> {
  const path = `/v1/projects/${tenant.projectId}/leads`;
  const pick = (i: number) => 1 + ((i * 7919) % leads);
  const emails = await timed(samples, async (i) => {
    const page = await rest(url, 'GET', `${path}?email=LEAD${pick(i)}@example.test`, tenant.ownerToken);
    if (page.items?.length !== 1 && page.data?.length !== 1) throw new Error(`email lookup found ${JSON.stringify(page).slice(0, 200)}`);
  });
  // The floor: the same client, server and loop, no token, no query (interleaved with nothing else).
  const floor = await timed(samples, async () => {
    const res = await fetch(`${url}/healthz`);
    await res.text();
  });
  const searches = await timed(samples, async (i) => {
    // A substring in the middle of the address: no prefix index can serve it.
    await rest(url, 'GET', `${path}?q=ad${pick(i)}@exa`, tenant.ownerToken);
  });
  return { leads, emailP50: percentile(emails, 50), emailP99: percentile(emails, 99), searchP50: percentile(searches, 50), searchP99: percentile(searches, 99), floorP50: percentile(floor, 50), floorP99: percentile(floor, 99) };
}
