/**
 * The group commit's statements use their indexes on the embedded database (PGlite has no
 * autovacuum; src/db/statistics.ts ANALYZEs it): with thousands of conversations and messages
 * stored, no statement of a batch scans messages, conversations, visitors, members or participants.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Knex } from 'knex';
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
    // What src/db/statistics.ts does at start and every 10 minutes.
    await knex.raw('analyze');

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

    const writes = seen.filter((s) => /^(select|insert|update|with)/i.test(s.sql.trim()) && HOT_TABLES.some((t) => new RegExp(`\\b${t}\\b`).test(s.sql)));
    // The writer's statements (src/conversations/message-writer.ts, access.ts refusalsUnderLock).
    const batchShapes = [
      /from "conversations" where "id" in .* for update/i,
      /from conversation_participants p where p.conversation_id = conversations.id/i,
      /from "visitors" where "id" in/i,
      /from "project_members" where \("project_id", "agent_id"\) in/i,
      /unnest\(array/i,
      /insert into "messages"/i,
      /update conversations c/i,
    ];
    for (const shape of batchShapes) expect(writes.some((s) => shape.test(s.sql)), `a statement like ${shape}`).to.equal(true);

    for (const statement of writes.filter((s) => batchShapes.some((shape) => shape.test(s.sql)))) {
      // The event's SQL is numbered ($1…); knex.raw wants `?` in order of appearance.
      const order = [...statement.sql.matchAll(/\$(\d+)/g)].map((m) => statement.bindings[Number(m[1]) - 1]) as Knex.Value[];
      const plan = (await knex.raw(`explain ${statement.sql.replace(/\$\d+/g, '?')}`, order)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      for (const table of HOT_TABLES) expect(plan, `${statement.sql}\n${plan}`).not.to.match(new RegExp(`Seq Scan on ${table}\\b`));
    }
  });
});
