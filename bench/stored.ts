/**
 * The "stored" phase's bulk load: a project's history of closed conversations, ~1,000 messages
 * each, written with generate_series straight into the database (PostgreSQL over node-postgres,
 * or the embedded folder opened with PGlite while its server is stopped), then ANALYZEd. The
 * chat workload then runs again beside it: its cost per message must not grow with the table.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { lockDataDir } from '../src/db/data-dir-lock.js';
import { openDurablePglite } from '../src/db/durable-pglite.js';
import { ROOT } from './servers.js';

/** Messages per loaded conversation (the last one holds the remainder). */
export const PER_CONVERSATION = 1_000;

/** Runs one statement with $1… placeholders. */
export type Run = (sql: string, params: unknown[]) => Promise<unknown>;

/**
 * Loads `total` messages into new conversations of `projectId`, each with its own lead and
 * visitor. Ids derive from the project id and the row number (md5 → uuid), so the statements can
 * join without reading back; last_seq matches the loaded seqs and client_message_id is unique per
 * conversation, as the writer's probe and unique index expect.
 */
export async function load(run: Run, projectId: string, total: number): Promise<void> {
  if (!Number.isSafeInteger(total) || total < 1) throw new Error(`cannot load ${total} messages`);
  const conversations = Math.ceil(total / PER_CONVERSATION);
  // Counts are integers written into the SQL; $1 is the project id. Row c's ids are md5(project:kind:c).
  const id = (kind: string) => `md5($1::uuid::text || ':${kind}:' || c)::uuid`;
  // Messages in conversation c: PER_CONVERSATION, or the remainder for the last one.
  const count = `least(${PER_CONVERSATION}, ${total} - (c - 1) * ${PER_CONVERSATION})`;
  // The project's owner (newTenant's signup) answered every one of them.
  const owner = `(select agent_id from project_members where project_id = $1::uuid and role = 'owner' limit 1)`;
  await run(
    `insert into leads (id, project_id, fullname, email, created_at, updated_at)
     select ${id('lead')}, $1::uuid, 'Stored ' || c, 'stored' || c || '@example.test', now() - interval '30 days', now()
       from generate_series(1, ${conversations}) c`,
    [projectId],
  );
  await run(
    `insert into visitors (id, project_id, lead_id, created_at)
     select ${id('visitor')}, $1::uuid, ${id('lead')}, now() - interval '30 days'
       from generate_series(1, ${conversations}) c`,
    [projectId],
  );
  await run(
    `insert into conversations (id, project_id, lead_id, status, assignee_id, first_text, last_seq, visitor_last_read_seq, agent_last_read_seq, created_at, updated_at, closed_at)
     select ${id('conversation')}, $1::uuid, ${id('lead')}, 'closed', ${owner}, 'stored message 1', ${count}, ${count}, ${count},
            now() - interval '30 days', now() - interval '29 days', now() - interval '29 days'
       from generate_series(1, ${conversations}) c`,
    [projectId],
  );
  // 100 conversations (100,000 rows) per statement: one transaction each, as bench/leads.ts does.
  const chunk = 100;
  for (let first = 1; first <= conversations; first += chunk) {
    const last = Math.min(conversations, first + chunk - 1);
    await run(
      `insert into messages (id, conversation_id, seq, client_message_id, sender_type, sender_id, text, created_at)
       select gen_random_uuid(), ${id('conversation')}, s, 'stored:' || s,
              case when s % 2 = 1 then 'visitor' else 'agent' end,
              case when s % 2 = 1 then (${id('visitor')})::text else ${owner}::text end,
              'stored message ' || s, now() - interval '30 days' + s * interval '1 second'
         from generate_series(${first}, ${last}) c, generate_series(1, ${count}) s`,
      [projectId],
    );
  }
  // VACUUM as well as ANALYZE: otherwise PostgreSQL's autovacuum, woken by a million inserts,
  // would scan the new rows (visibility map) during the chat phase that follows and weigh on it.
  await run('vacuum (analyze)', []);
}

/** Into the PostgreSQL database at `databaseUrl`, while its server runs. Returns the seconds it took. */
export async function loadMessagesPostgres(databaseUrl: string, projectId: string, total: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = performance.now();
  try {
    await load((sql, params) => client.query(sql, params), projectId, total);
    // And the load's dirty pages written out now, not by a checkpoint during the chat phase.
    await client.query('checkpoint');
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

/**
 * loadIntoEmbeddedFolder in a process of its own (`bench/load-embedded.ts`). PGlite works on its
 * caller's thread: loaded from the bench's own, it kept the bench's event loop busy for the whole
 * load (27–42 s here), and the relay's sockets, which stay connected through the chat phases,
 * missed their pings and were closed (the next round then waited on acks that never came).
 */
export async function loadMessagesEmbedded(pgdata: string, projectId: string, total: number): Promise<number> {
  const script = path.join(ROOT, 'bench/load-embedded.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, pgdata, projectId, String(total)], { cwd: ROOT });
  return (JSON.parse(stdout) as { seconds: number }).seconds;
}

/**
 * Into the embedded folder `pgdata` (DATA_DIR/pgdata), opened as the server opens it (durable,
 * same extensions, under the folder's lock): the server must be stopped. Returns the seconds it took.
 */
export async function loadIntoEmbeddedFolder(pgdata: string, projectId: string, total: number): Promise<number> {
  const lock = lockDataDir(pgdata);
  const started = performance.now();
  try {
    const durable = openDurablePglite(pgdata, { extensions: { pg_trgm, btree_gin } });
    await durable.ready;
    try {
      await load((sql, params) => durable.pglite.query(sql, params), projectId, total);
      // A checkpoint now: the restarted server does not replay the load's WAL on its start.
      await durable.pglite.query('checkpoint');
    } finally {
      await durable.pglite.close();
    }
  } finally {
    lock.release();
  }
  return (performance.now() - started) / 1000;
}
