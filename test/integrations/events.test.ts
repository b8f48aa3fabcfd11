/** Every event type reaches a webhook, signed, with the documented body. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ok } from '../support/clients.js';
import { connectMember, startChat } from '../support/chat-fixtures.js';
import { verifySignature } from '../../src/integrations/signature.js';
import { EVENT_TYPES } from '../../src/integrations/outbox.js';
import { eventually, Receiver, WEBHOOK_TEST_ENV } from './receiver.js';

describe('webhook events', () => {
  let t: TestApp;
  let receiver: Receiver;

  before(async () => {
    t = await startApp(WEBHOOK_TEST_ENV);
    receiver = await new Receiver().start();
  });
  after(async () => {
    await t.close();
    await receiver.stop();
  });

  it('delivers every event type with a valid signature and the documented body', async () => {
    const chat = await startChat(t, { join: false });
    const { owner, projectId } = chat;
    const created = await api(t.url, 'POST', `/v1/projects/${projectId}/webhooks`, { token: owner.token, body: { url: receiver.url, events: [...EVENT_TYPES] } });
    expect(created.status).to.equal(201);
    expect(created.body.secret).to.match(/^whsec_/);
    const secret = created.body.secret as string;

    const lead = (await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: 'Ada', email: 'ada@example.test' } })).body;
    await api(t.url, 'PATCH', `/v1/projects/${projectId}/leads/${lead.id}`, { token: owner.token, body: { phone: '+100' } });
    const other = (await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: 'Ada again' } })).body;
    const merged = await api(t.url, 'POST', `/v1/projects/${projectId}/leads/${lead.id}/merge`, { token: owner.token, body: { sourceLeadId: other.id } });
    expect(merged.status).to.equal(200);
    expect((await api(t.url, 'DELETE', `/v1/projects/${projectId}/leads/${lead.id}`, { token: owner.token })).status).to.equal(204);

    const visitor = await t.connectVisitor(projectId);
    const conversationId = (await ok(visitor.socket, 'conversation:start', { text: 'Hi there' })).id as string;
    await ok(chat.agentSocket, 'conversation:join', { conversationId });
    await ok(chat.agentSocket, 'message:send', { conversationId, clientMessageId: 'note-1', text: 'internal', private: true });
    await ok(chat.agentSocket, 'message:send', { conversationId, clientMessageId: 'pub-1', text: 'public answer' });

    const types = () => new Set(receiver.delivered.map((r) => (r.body.type === 'message.created' && r.body.data.private ? 'message.created.private' : r.body.type)));
    await eventually(() => EVENT_TYPES.every((type) => types().has(type)), `every event type (have ${[...types()].join(', ')})`);
    await eventually(() => receiver.delivered.some((r) => r.body.data.text === 'public answer'), 'the last message');

    for (const r of receiver.delivered) {
      expect(r.headers['pingstreams-event-id']).to.equal(r.body.id);
      expect(verifySignature(secret, r.raw, String(r.headers['pingstreams-signature']))).to.equal(true);
      expect(verifySignature('whsec_wrong', r.raw, String(r.headers['pingstreams-signature']))).to.equal(false);
      expect(Object.keys(r.body).sort()).to.deep.equal(['createdAt', 'data', 'id', 'projectId', 'type']);
      expect(r.body.projectId).to.equal(projectId);
    }
    const byType = (type: string) => receiver.delivered.filter((r) => r.body.type === type).map((r) => r.body.data);
    expect(byType('lead.deleted')).to.deep.include({ leadId: lead.id });
    expect(byType('lead.merged').find((d) => d.mergedLeadId === other.id)?.lead.id).to.equal(lead.id);
    expect(byType('lead.updated').some((d) => d.id === lead.id && d.phone === '+100')).to.equal(true);
    expect(byType('conversation.updated').some((d) => d.id === conversationId && d.status === 'assigned')).to.equal(true);
    const texts = byType('message.created').map((m) => [m.text, m.private]);
    expect(texts).to.deep.include.members([['internal', true], ['public answer', false], ['Hi there', false]]);
  });

  it('every source of lead and conversation events: import, pre-chat form, close, rate, reopen, transfer, leave', async () => {
    const chat = await startChat(t);
    const { owner, projectId, conversation } = chat;
    const hook = await api(t.url, 'POST', `/v1/projects/${projectId}/webhooks`, { token: owner.token, body: { url: receiver.url, events: ['lead.created', 'lead.updated', 'conversation.updated'] } });
    expect(hook.status).to.equal(201);
    const mine = () => receiver.delivered.filter((r) => r.body.projectId === projectId);

    // The CSV import: one event per created and per updated lead.
    const existing = (await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: 'Before', externalId: 'crm-1' } })).body;
    const imported = await api(t.url, 'POST', `/v1/projects/${projectId}/leads/import`, { token: owner.token, rawBody: 'fullname,externalId\r\nUpdated,crm-1\r\nNew One,crm-2\r\nNew Two,\r\n', headers: { 'content-type': 'text/csv' } });
    expect(imported.body).to.include({ created: 2, updated: 1, failed: 0 });
    // The pre-chat form of a new visitor: the lead is created, then updated.
    const visitor = await t.connectVisitor(projectId);
    const formLead = await ok(visitor.socket, 'lead:update', { email: 'form@example.test' });

    // The conversation's life: close, rate, reopen, transfer, leave (back to the queue).
    const id = conversation.id as string;
    const other = await connectMember(t, chat);
    await ok(chat.agentSocket, 'conversation:close', { conversationId: id });
    await ok(chat.visitor.socket, 'conversation:rate', { conversationId: id, rating: 4 });
    await ok(chat.agentSocket, 'conversation:reopen', { conversationId: id });
    await ok(chat.agentSocket, 'conversation:transfer', { conversationId: id, agentId: other.account.agent.id });
    await ok(other.socket, 'conversation:leave', { conversationId: id });

    const updates = () => mine().filter((r) => r.body.type === 'conversation.updated' && r.body.data.id === id).map((r) => r.body.data);
    await eventually(() => updates().length >= 5, `five conversation.updated (have ${updates().length})`);
    expect(updates().map((c) => [c.status, c.rating, c.assigneeId])).to.deep.equal([
      ['closed', null, chat.agent.agent.id],
      ['closed', 4, chat.agent.agent.id],
      ['assigned', 4, chat.agent.agent.id],
      ['assigned', 4, other.account.agent.id],
      ['unassigned', 4, null],
    ]);
    const leadEvents = (leadId: string) => mine().filter((r) => r.body.data.id === leadId).map((r) => r.body.type);
    await eventually(() => leadEvents(formLead.id).length === 2 && mine().filter((r) => r.body.type === 'lead.created').length >= 4, 'the lead events');
    expect(leadEvents(formLead.id)).to.deep.equal(['lead.created', 'lead.updated']);
    expect(leadEvents(existing.id)).to.deep.equal(['lead.created', 'lead.updated']);
    const importedNames = mine().filter((r) => r.body.type === 'lead.created').map((r) => r.body.data.fullname);
    expect(importedNames).to.include.members(['New One', 'New Two']);
    expect(mine().find((r) => r.body.type === 'lead.updated' && r.body.data.id === existing.id)?.body.data.fullname).to.equal('Updated');
  });

  it('sends a private note only to webhooks that list message.created.private', async () => {
    const chat = await startChat(t);
    const other = await new Receiver().start();
    try {
      const hook = await api(t.url, 'POST', `/v1/projects/${chat.projectId}/webhooks`, { token: chat.owner.token, body: { url: other.url, events: ['message.created'] } });
      expect(hook.status).to.equal(201);
      await ok(chat.agentSocket, 'message:send', { conversationId: chat.conversation.id, clientMessageId: 'n1', text: 'secret note', private: true });
      await ok(chat.agentSocket, 'message:send', { conversationId: chat.conversation.id, clientMessageId: 'p1', text: 'after the note' });
      await eventually(() => other.delivered.some((r) => r.body.data.text === 'after the note'), 'the public message');
      expect(other.delivered.map((r) => r.body.data.text)).to.deep.equal(['after the note']);
    } finally {
      await other.stop();
    }
  });
});
