/** The chat loop: a visitor starts, agents hear of it, one joins, both sides write and hear each other. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, ok, ownerWithProject } from '../support/clients.js';
import {
  connectMember,
  expectError,
  expectNothing,
  isIsoUtc,
  MESSAGE_KEYS,
  outgoing,
  startChat,
  waitFor,
} from '../support/chat-fixtures.js';

describe('conversations: join and chat', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
  });
  after(async () => {
    await t.close();
  });

  it('conversation:created reaches every agent socket of the project and none of another project', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const ownerSocket = await t.connectAgent(owner.token, projectId);
    const agentTab1 = await t.connectAgent(agent.token, projectId);
    const agentTab2 = await t.connectAgent(agent.token, projectId);
    const other = await ownerWithProject(t.url);
    const outsider = await t.connectAgent(other.owner.token, other.projectId);
    const outside = expectNothing([outsider], 'conversation:created');

    const visitor = await t.connectVisitor(projectId);
    const heard = [ownerSocket, agentTab1, agentTab2].map((s) => waitFor(s, 'conversation:created'));
    const started = await ok(visitor.socket, 'conversation:start', { text: 'Is anyone there?' });
    expect(started).to.include({ projectId, status: 'unassigned', assigneeId: null, firstText: 'Is anyone there?', lastSeq: 1, closedAt: null, rating: null });

    for (const created of await Promise.all(heard)) {
      expect(created).to.include({ id: started.id, projectId, leadId: started.leadId, status: 'unassigned', lastSeq: 1 });
    }
    await outside.quiet();
  });

  it('joining an unassigned conversation assigns it and answers the latest 50 messages, ascending', async () => {
    const chat = await startChat(t, { join: false, text: 'message 1' });
    const { conversation, visitor, agentSocket, agent } = chat;
    for (let i = 2; i <= 55; i++) await ok(visitor.socket, 'message:send', outgoing(conversation.id, `message ${i}`));
    const watcher = await t.connectAgent(chat.owner.token, chat.projectId);
    const secondTab = await t.connectVisitor(chat.projectId, { token: visitor.session.token });

    const updates = [agentSocket, watcher, visitor.socket, secondTab.socket].map((s) =>
      waitFor(s, 'conversation:updated', (c: any) => c.id === conversation.id),
    );
    const joined = await ok(agentSocket, 'conversation:join', { conversationId: conversation.id });

    expect(joined.conversation).to.include({ id: conversation.id, status: 'assigned', assigneeId: agent.agent.id, lastSeq: 55 });
    expect(joined.messages).to.have.length(50);
    expect(joined.messages.map((m: any) => m.seq)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 6));
    expect(joined.messages.map((m: any) => m.text)).to.deep.equal(Array.from({ length: 50 }, (_, i) => `message ${i + 6}`));
    for (const updated of await Promise.all(updates)) {
      expect(updated).to.include({ id: conversation.id, status: 'assigned', assigneeId: agent.agent.id });
    }
  });

  it('a second agent joining an assigned conversation leaves the assignee alone and may then write', async () => {
    const chat = await startChat(t);
    const { conversation, visitor, agentSocket, agent } = chat;
    const second = await connectMember(t, chat);
    const noUpdate = expectNothing([visitor.socket, agentSocket, second.socket], 'conversation:updated');

    const joined = await ok(second.socket, 'conversation:join', { conversationId: conversation.id });
    expect(joined.conversation).to.include({ status: 'assigned', assigneeId: agent.agent.id });
    expect(joined.messages.map((m: any) => m.text)).to.deep.equal(['Hello, I need help']);

    const toVisitor = waitFor(visitor.socket, 'message:created');
    const toAssignee = waitFor(agentSocket, 'message:created');
    const sent = await ok(second.socket, 'message:send', outgoing(conversation.id, 'I am watching too'));
    expect(sent.sender).to.deep.equal({ type: 'agent', id: second.account.agent.id });
    expect((await toVisitor).id).to.equal(sent.id);
    expect((await toAssignee).id).to.equal(sent.id);
    await noUpdate.quiet();
  });

  it('a visitor message acks with the exact Message shape; the agent hears it, the sending socket does not', async () => {
    const chat = await startChat(t);
    const { conversation, visitor, agentSocket } = chat;
    const bystander = await connectMember(t, chat);
    const secondTab = await t.connectVisitor(chat.projectId, { token: visitor.session.token });
    const notToSenderOrBystander = expectNothing([visitor.socket, bystander.socket], 'message:created');
    const toAgent = waitFor(agentSocket, 'message:created');
    const toSecondTab = waitFor(secondTab.socket, 'message:created');

    const payload = outgoing(conversation.id, 'Where is my parcel?', { attributes: { page: '/orders/42' } });
    const sent = await ok(visitor.socket, 'message:send', payload);
    expect(Object.keys(sent).sort()).to.deep.equal(MESSAGE_KEYS);
    expect(sent).to.include({ conversationId: conversation.id, seq: 2, clientMessageId: payload.clientMessageId, text: 'Where is my parcel?' });
    expect(sent.sender).to.deep.equal({ type: 'visitor', id: visitor.session.visitorId });
    expect(sent.attributes).to.deep.equal({ page: '/orders/42' });
    expect(isIsoUtc(sent.createdAt), sent.createdAt).to.equal(true);

    expect(await toAgent).to.deep.equal(sent);
    expect(await toSecondTab).to.deep.equal(sent);
    await notToSenderOrBystander.quiet();
  });

  it('the ack is the stored message: the history and a retry answer it field for field, createdAt to the millisecond', async () => {
    const chat = await startChat(t);
    const { conversation, visitor, agentSocket } = chat;
    const fromVisitor = outgoing(conversation.id, 'First, from the visitor', { attributes: { page: '/cart' } });
    const fromAgent = outgoing(conversation.id, 'Then the agent');
    const sent = [await ok(visitor.socket, 'message:send', fromVisitor), await ok(agentSocket, 'message:send', fromAgent)];

    // The ack's row comes from the batch's answer; the history's and a retry's are read back from the table.
    const listed = await ok(agentSocket, 'message:list', { conversationId: conversation.id });
    expect(listed.slice(-2)).to.deep.equal(sent);
    const history = await ok(visitor.socket, 'message:list', { conversationId: conversation.id });
    expect(history.slice(-2)).to.deep.equal(sent);
    expect(await ok(visitor.socket, 'message:send', fromVisitor)).to.deep.equal(sent[0]);
    expect(await ok(agentSocket, 'message:send', fromAgent)).to.deep.equal(sent[1]);
  });

  it('an agent message reaches every visitor tab, not the sending agent socket', async () => {
    const chat = await startChat(t);
    const { conversation, visitor, agentSocket, agent } = chat;
    const agentTab2 = await t.connectAgent(agent.token, chat.projectId);
    const secondTab = await t.connectVisitor(chat.projectId, { token: visitor.session.token });
    const notToSender = expectNothing([agentSocket], 'message:created');
    const heard = [visitor.socket, secondTab.socket, agentTab2].map((s) => waitFor(s, 'message:created'));

    const payload = outgoing(conversation.id, 'It left our warehouse today.');
    const sent = await ok(agentSocket, 'message:send', payload);
    expect(Object.keys(sent).sort()).to.deep.equal(MESSAGE_KEYS);
    expect(sent).to.include({ conversationId: conversation.id, seq: 2, clientMessageId: payload.clientMessageId, text: 'It left our warehouse today.' });
    expect(sent.sender).to.deep.equal({ type: 'agent', id: agent.agent.id });
    expect(sent.attributes).to.deep.equal({});
    expect(isIsoUtc(sent.createdAt)).to.equal(true);

    for (const got of await Promise.all(heard)) expect(got).to.deep.equal(sent);
    await notToSender.quiet();
  });

  it('a visitor may not touch another lead’s conversation, nor an agent another project’s: NOT_FOUND', async () => {
    const chat = await startChat(t);
    const stranger = await t.connectVisitor(chat.projectId);
    await ok(stranger.socket, 'conversation:start', { text: 'mine' });
    const other = await ownerWithProject(t.url);
    const foreignAgent = await t.connectAgent(other.owner.token, other.projectId);
    const cid = chat.conversation.id;

    for (const [event, payload] of [
      ['message:send', outgoing(cid, 'sneaky')],
      ['message:list', { conversationId: cid }],
      ['conversation:read', { conversationId: cid, seq: 1 }],
      ['typing', { conversationId: cid, typing: true }],
    ] as const) {
      await expectError(stranger.socket, event, payload, 'NOT_FOUND');
      await expectError(foreignAgent, event, payload, 'NOT_FOUND');
    }
    await expectError(foreignAgent, 'conversation:join', { conversationId: cid }, 'NOT_FOUND');
    await expectError(foreignAgent, 'conversation:close', { conversationId: cid }, 'NOT_FOUND');
  });
});
