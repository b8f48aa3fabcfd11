/**
 * The group commit's statements use their indexes on the embedded database (PGlite has no
 * autovacuum; src/db/vacuum.ts ANALYZEs it): with thousands of conversations and messages
 * stored, no statement of a batch (the two inside pingstreams_write_messages) scans messages,
 * conversations, visitors, members or participants.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { appOnFolder, type FolderApp } from '../support/embedded-app.js';
import { addAgent, ownerWithProject } from '../support/clients.js';
import { io, type Socket } from 'socket.io-client';

/** The ack, waited for generously: after the bulk load the embedded database checkpoints (and fsyncs) on a shared, busy disk. */
const answer = (socket: Socket, payload: Record<string, unknown>) => socket.timeout(60_000).emitWithAck('message:send', { clientMessageId: randomUUID(), ...payload });

const HOT_TABLES = ['messages', 'conversations', 'visitors', 'project_members', 'conversation_participants'];

interface Statement {
  sql: string;
  bindings: unknown[];
}

describe('group commit plans on the embedded database', function () {
  this.timeout(240_000);
  let dir: string;
  let app: FolderApp;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-plans-'));
    app = await appOnFolder(dir);
  });
  after(async () => {
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('plans every statement of a batch (visitor send, owner send, retry) with index lookups only, once analyzed', async () => {
    const { owner, projectId } = await ownerWithProject(app.url);
    const member = await addAgent(app.url, owner.token, projectId);
    const { socket: visitor, conversationId } = await app.visitorConversation(projectId);
    const knex = app.db.knex;
    // Many other conversations of the same lead, and many messages: a scan would now cost.
    const { lead_id: leadId } = await knex('conversations').where({ id: conversationId }).first('lead_id');
    await knex.raw(
      `insert into conversations (id, project_id, lead_id, status, last_seq)
       select gen_random_uuid(), ?, ?, 'unassigned', 20 from generate_series(1, 2000)`,
      [projectId, leadId],
    );
    await knex.raw(
      `insert into messages (id, conversation_id, seq, client_message_id, sender_type, sender_id, text)
       select gen_random_uuid(), c.id, s, 'bulk-' || s, 'visitor', null, 'bulk message'
         from conversations c cross join generate_series(1, 20) s where c.project_id = ? and c.id <> ?`,
      [projectId, conversationId],
    );
    await knex.raw(`insert into visitors (id, project_id, lead_id) select gen_random_uuid(), ?, ? from generate_series(1, 2000)`, [projectId, leadId]);
    // Many agents, members and participants too.
    await knex.raw(`insert into agents (id, email, fullname, password_hash) select gen_random_uuid(), 'bulk-' || g || '@example.test', 'Bulk', 'x' from generate_series(1, 2000) g`);
    await knex.raw(`insert into project_members (project_id, agent_id, role) select ?, id, 'agent' from agents where email like 'bulk-%'`, [projectId]);
    await knex.raw(
      `insert into conversation_participants (conversation_id, agent_id)
       select c.id, a.id from (select id, row_number() over () n from conversations where project_id = ? and id <> ?) c
         join (select id, row_number() over () n from agents where email like 'bulk-%') a on a.n = c.n`,
      [projectId, conversationId],
    );
    // What src/db/vacuum.ts does at start and every 10 minutes.
    await knex.raw('vacuum (analyze)');

    const seen: Statement[] = [];
    const listener = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
    knex.on('query', listener);
    const agent = io(`${app.url}/agent`, { auth: { token: owner.token, projectId }, transports: ['websocket'], forceNew: true, reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => agent.once('connect', () => resolve()).once('connect_error', reject));
      const first = (await answer(visitor, { conversationId, text: 'a visitor message' })).data;
      // The owner neither assigned nor joined: its role is looked up in the batch.
      expect((await answer(agent, { conversationId, text: 'an owner message' })).ok).to.equal(true);
      // A retry is found through the (conversation_id, client_message_id) index.
      expect((await answer(visitor, { conversationId, clientMessageId: first.clientMessageId, text: 'a visitor message' })).data.id).to.equal(first.id);
      // A plain member who did not join is refused (FORBIDDEN) by the same lookup.
      const memberSocket = io(`${app.url}/agent`, { auth: { token: member.token, projectId }, transports: ['websocket'], forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => memberSocket.once('connect', () => resolve()).once('connect_error', reject));
      expect((await answer(memberSocket, { conversationId, text: 'no' })).error.code).to.equal('FORBIDDEN');
      memberSocket.disconnect();
    } finally {
      knex.off('query', listener);
      agent.disconnect();
    }

    // The writer sends one statement per batch; what runs is the function's two statements
    // (migrations/…_message_batch_function.ts), EXPLAINed here as installed, on each real batch.
    const calls = seen.filter((s) => /pingstreams_write_messages/.test(s.sql));
    expect(calls.length, 'one call per batch').to.be.greaterThanOrEqual(4);
    expect(seen.filter((s) => /insert into "messages"/i.test(s.sql)).map((s) => s.sql), 'no message written outside the function').to.deep.equal([]);
    const { prosrc } = (await knex.raw(`select prosrc from pg_proc where proname = 'pingstreams_write_messages'`)).rows[0] as { prosrc: string };
    const code = prosrc.replace(/--[^\n]*/g, '');
    const lock = /perform (1 from conversations[\s\S]*?for update);/.exec(code)![1]!;
    const main = /return query([\s\S]*?order by d\.i);/.exec(code)![1]!;
    for (const call of calls) {
      for (const statement of [`select ${lock}`, main]) {
        const sql = statement.replace(/\bbatch\b/g, '?::jsonb');
        const bindings = Array.from({ length: sql.split('?::jsonb').length - 1 }, () => call.bindings[0] as string);
        const plan = (await knex.raw(`explain ${sql}`, bindings)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
        for (const table of HOT_TABLES) expect(plan, `${sql}\n${plan}`).not.to.match(new RegExp(`Seq Scan on ${table}\\b`));
        // The probes and lookups happen, through their indexes.
        if (statement === main) {
          expect(plan, plan).to.match(/Index Scan using messages_conversation_id_client_message_id_unique on messages/);
          expect(plan, plan).to.match(/Index Scan using visitors_pkey on visitors/);
          expect(plan, plan).to.match(/Index Scan using \w+ on project_members/);
        }
      }
    }
  });
});
