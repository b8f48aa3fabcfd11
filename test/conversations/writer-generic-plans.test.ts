/**
 * The group commit's function keeps index lookups in the plans a connection caches.
 *
 * PL/pgSQL plans its statements once per connection and, after a few calls, keeps a generic
 * plan, chosen with the statistics of that moment. On a new database those say the tables are
 * tiny, so the generic plan read `messages` and `conversations` whole (Seq Scan) — and kept
 * doing so on every batch as they grew, until an ANALYZE replaced the plan: under the bench's
 * chat load, PostgreSQL's CPU per message grew 66 → 100 → 132 → 168 µs over four rounds of
 * 30,000 messages (docs/performance.md). The function now runs with enable_seqscan off.
 *
 * Here, on a database just migrated and analyzed with a handful of rows, one connection runs
 * the function with plan_cache_mode = force_generic_plan — the plans it would keep — and the
 * backend's scan counters (pg_stat_xact_user_tables) must show no sequential scan of the hot
 * tables meanwhile. Without the migration it fails on both databases.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { Database } from '../../src/db/connect.js';
import { migratedDatabase } from '../support/ops-fixtures.js';

const HOT_TABLES = ['messages', 'conversations', 'visitors', 'project_members', 'conversation_participants'];

/** This backend's scan counters per hot table: this transaction's on PostgreSQL, everything not yet flushed on PGlite. */
async function scanCounts(trx: Knex.Transaction): Promise<Record<string, { seq: number; idx: number }>> {
  const { rows } = (await trx.raw('select relname, seq_scan, idx_scan from pg_stat_xact_user_tables where relname = any(?)', [HOT_TABLES])) as {
    rows: { relname: string; seq_scan: number | string; idx_scan: number | string | null }[];
  };
  const counts = Object.fromEntries(HOT_TABLES.map((t) => [t, { seq: 0, idx: 0 }]));
  for (const r of rows) counts[r.relname] = { seq: Number(r.seq_scan), idx: Number(r.idx_scan ?? 0) };
  return counts;
}

describe('group commit: the plans a connection keeps use indexes on a young database', function () {
  this.timeout(120_000);
  let db: Database;
  let close: (() => Promise<void>) | null = null;

  before(async () => {
    ({ db, close } = await migratedDatabase());
  });
  after(async () => {
    await close?.();
  });

  it('writes batches (new messages, a retry, a visitor and an agent checked) with no sequential scan of messages, conversations, visitors, members or participants', async () => {
    const knex = db.knex;
    const projectId = randomUUID();
    const leadId = randomUUID();
    const visitorId = randomUUID();
    const agentId = randomUUID();
    await knex('projects').insert({ id: projectId, name: 'Plans', identity_secret: randomUUID() });
    await knex('agents').insert({ id: agentId, email: `plans-${agentId}@example.test`, fullname: 'Plans', password_hash: 'x' });
    await knex('project_members').insert({ project_id: projectId, agent_id: agentId, role: 'owner' });
    await knex('leads').insert({ id: leadId, project_id: projectId });
    await knex('visitors').insert({ id: visitorId, project_id: projectId, lead_id: leadId });
    const conversations = Array.from({ length: 4 }, () => randomUUID());
    await knex('conversations').insert(conversations.map((id) => ({ id, project_id: projectId, lead_id: leadId, status: 'unassigned', last_seq: 0 })));
    // Statistics of a young database, as the embedded server takes them at start
    // (src/db/vacuum.ts) and autovacuum soon after the first writes: every table tiny.
    await knex.raw('vacuum (analyze)');

    const sent: { conversation_id: string; client_message_id: string }[] = [];
    await knex.transaction(async (trx) => {
      await trx.raw('set local plan_cache_mode = force_generic_plan');
      // Differences: PGlite's counters also hold what the migrations and the inserts above did.
      const before = await scanCounts(trx);
      for (let round = 0; round < 8; round++) {
        // The owner's messages have their role checked, the visitor's its lead.
        const batch = conversations.flatMap((conversationId) => [
          { conversation_id: conversationId, client_message_id: randomUUID(), sender_type: 'visitor', sender_id: visitorId },
          { conversation_id: conversationId, client_message_id: randomUUID(), sender_type: 'agent', sender_id: agentId },
        ]);
        // A retry of an earlier message: the stored-row lookup runs too.
        const retry = sent.at(-1);
        const items = [...batch, ...(retry ? [{ ...retry, sender_type: 'visitor', sender_id: visitorId }] : [])].map((m, i) => ({
          i,
          id: randomUUID(),
          project_id: projectId,
          conversation_id: m.conversation_id,
          client_message_id: m.client_message_id,
          sender_type: m.sender_type,
          sender_id: m.sender_id,
          text: `round ${round}`,
          attributes: {},
          private: false,
          authorize: true,
        }));
        const { rows } = (await trx.raw('select i, outcome from pingstreams_write_messages(?::jsonb)', [JSON.stringify(items)])) as { rows: { i: number; outcome: string }[] };
        expect(rows.map((r) => r.outcome)).to.deep.equal(items.map((_, i) => (retry && i === items.length - 1 ? 'stored' : 'created')));
        sent.push(...batch);
      }
      const after = await scanCounts(trx);
      const seqScans = Object.fromEntries(HOT_TABLES.map((t) => [t, after[t]!.seq - before[t]!.seq]));
      expect(seqScans, 'sequential scans by the batches').to.deep.equal(Object.fromEntries(HOT_TABLES.map((t) => [t, 0])));
      // The counters are live: the lookups went through the indexes.
      expect(after.messages!.idx - before.messages!.idx).to.be.greaterThan(0);
    });
    expect(await knex('messages').count({ n: '*' }).first()).to.deep.equal({ n: 8 * 8 });
  });
});
