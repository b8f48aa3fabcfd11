/**
 * What one batch of the group commit answers is what it stored, case by case: since
 * 20261207090000 the function no longer reads its inserted rows back, it answers from what it
 * numbered and from now(). One batch (every write queued in the same turn) holds a new message,
 * a repeat of it, a retry of a message stored before, a message to a closed conversation and one
 * to a conversation that does not exist, a private note and a message after it in a fresh
 * conversation, and a message in a project with a webhook. Each answer must equal the row read
 * back from `messages`, the conversation's last_seq and first_text must follow, and the webhook's
 * outbox event must carry the answer, field for field.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Database } from '../../src/db/connect.js';
import { MessageWriter, type NewMessage, type WrittenMessage } from '../../src/conversations/message-writer.js';
import { toMessage, type MessageRow } from '../../src/conversations/message.store.js';
import { migratedDatabase } from '../support/ops-fixtures.js';

describe('group commit: a batch answers what it stored', function () {
  this.timeout(120_000);
  let db: Database;
  let close: (() => Promise<void>) | null = null;

  before(async () => {
    ({ db, close } = await migratedDatabase());
  });
  after(async () => {
    await close?.();
  });

  it('answers a new message, its repeat, a retry, refusals, a private note and a webhook event as stored', async () => {
    const knex = db.knex;
    const [projectId, hookedProjectId, leadId, hookedLeadId, visitorId, hookedVisitorId, agentId] = Array.from({ length: 7 }, (): string => randomUUID()) as [string, string, string, string, string, string, string];
    await knex('projects').insert([projectId, hookedProjectId].map((id) => ({ id, name: 'Answers', identity_secret: randomUUID() })));
    await knex('agents').insert({ id: agentId, email: `answers-${agentId}@example.test`, fullname: 'Answers', password_hash: 'x' });
    await knex('project_members').insert({ project_id: projectId, agent_id: agentId, role: 'owner' });
    await knex('leads').insert([{ id: leadId, project_id: projectId }, { id: hookedLeadId, project_id: hookedProjectId }]);
    await knex('visitors').insert([{ id: visitorId, project_id: projectId, lead_id: leadId }, { id: hookedVisitorId, project_id: hookedProjectId, lead_id: hookedLeadId }]);
    const [open, closed, fresh, hooked] = Array.from({ length: 4 }, (): string => randomUUID()) as [string, string, string, string];
    await knex('conversations').insert([
      { id: open, project_id: projectId, lead_id: leadId, status: 'unassigned' },
      { id: closed, project_id: projectId, lead_id: leadId, status: 'closed' },
      { id: fresh, project_id: projectId, lead_id: leadId, status: 'unassigned' },
      { id: hooked, project_id: hookedProjectId, lead_id: hookedLeadId, status: 'unassigned' },
    ]);
    await knex('webhooks').insert({ id: randomUUID(), project_id: hookedProjectId, url: 'https://example.test/hook', events: ['message.created'], secret: 'x' });

    const writer = new MessageWriter(knex);
    const visitor = (conversationId: string, text: string, clientMessageId: string = randomUUID(), project: string = projectId, sender: string = visitorId): NewMessage => ({
      projectId: project,
      conversationId,
      clientMessageId,
      sender: { type: 'visitor', id: sender },
      text,
      attributes: { n: text.length },
      private: false,
      authorize: true,
    });
    const earlier = await writer.write(visitor(open, 'stored before'));

    // All queued in one turn: one batch.
    const settled = async (input: NewMessage) => writer.write(input).then((r): WrittenMessage | { error: string } => r, (err: { code: string }) => ({ error: err.code }));
    const [created, repeated, retried, refusedClosed, refusedMissing, note, afterNote, hookedMessage] = await Promise.all([
      settled(visitor(open, 'new', 'same-id')),
      settled(visitor(open, 'the same id again', 'same-id')),
      settled(visitor(open, 'a retry with other text', earlier.message.clientMessageId)),
      settled(visitor(closed, 'too late')),
      settled(visitor(randomUUID(), 'nowhere')),
      settled({ ...visitor(fresh, 'a private note'), sender: { type: 'agent', id: agentId }, private: true }),
      settled(visitor(fresh, 'first public text')),
      settled(visitor(hooked, 'to the webhook', randomUUID(), hookedProjectId, hookedVisitorId)),
    ]);

    const stored = async (id: string) => toMessage((await knex<MessageRow>('messages').where({ id }).first())!);
    const ok = (r: WrittenMessage | { error: string }) => {
      if ('error' in r) throw new Error(`refused: ${r.error}`);
      return r;
    };
    expect(ok(created).created).to.equal(true);
    expect(ok(created).message).to.deep.equal(await stored(ok(created).message.id));
    expect(ok(created).message).to.include({ seq: 2, text: 'new' });
    // The repeat is the first's message, not a second copy.
    expect(ok(repeated).created).to.equal(false);
    expect(ok(repeated).message).to.deep.equal(ok(created).message);
    // The retry is the stored message, its text and createdAt included.
    expect(ok(retried).created).to.equal(false);
    expect(ok(retried).message).to.deep.equal(earlier.message);
    expect(refusedClosed).to.deep.equal({ error: 'CONVERSATION_CLOSED' });
    expect(refusedMissing).to.deep.equal({ error: 'NOT_FOUND' });
    for (const r of [note, afterNote, hookedMessage]) expect(ok(r).message).to.deep.equal(await stored(ok(r).message.id));
    expect(ok(note).message).to.include({ seq: 1, private: true });
    expect(ok(afterNote).message).to.include({ seq: 2, private: false });
    // Everything of one batch has the transaction's timestamp.
    expect(new Set([created, note, afterNote, hookedMessage].map((r) => ok(r).message.createdAt)).size).to.equal(1);
    expect(ok(created).audience).to.deep.equal({ projectId, leadId, assigneeId: null, participants: [] });

    const conversations = await knex('conversations').whereIn('id', [open, closed, fresh, hooked]).select('id', 'last_seq', 'first_text');
    const byId = Object.fromEntries(conversations.map((c: { id: string; last_seq: number; first_text: string | null }) => [c.id, c]));
    expect(byId[open]).to.include({ last_seq: 2, first_text: 'stored before' });
    expect(byId[closed]).to.include({ last_seq: 0, first_text: null });
    // A private note is never the conversation's first text.
    expect(byId[fresh]).to.include({ last_seq: 2, first_text: 'first public text' });
    expect(byId[hooked]).to.include({ last_seq: 1, first_text: 'to the webhook' });

    // Only the project with a webhook got an event, and it carries the answer.
    const events = await knex('outbox_events').select('project_id', 'type', 'subject_key', 'payload');
    expect(events).to.have.length(1);
    expect(events[0]).to.deep.include({ project_id: hookedProjectId, type: 'message.created', subject_key: `conversation:${hooked}` });
    expect(events[0].payload).to.deep.equal(ok(hookedMessage).message);
    // The one stored before, the new one, the note and the two after it: no copies.
    expect(await knex('messages').count({ n: '*' }).first()).to.deep.equal({ n: 5 });
  });
});
