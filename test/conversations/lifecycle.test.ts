/** A conversation's life: close, reopen, transfer, leave; who may do what. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startApp, type TestApp } from '../support/start-app.js';
import { ok, ownerWithProject } from '../support/clients.js';
import { connectMember, expectError, expectNothing, isIsoUtc, outgoing, startChat, waitFor } from '../support/chat-fixtures.js';

const updatedOf = (conversationId: string) => (c: any) => c.id === conversationId;

describe('conversations: lifecycle', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
  });
  after(async () => {
    await t.close();
  });

  it('close, then both sides get CONVERSATION_CLOSED; close again is CONFLICT; reopen makes it assigned again', async () => {
    const chat = await startChat(t);
    const { conversation, visitor, agentSocket, agent } = chat;
    const cid = conversation.id;
    const watcher = await connectMember(t, chat);

    const closedEvents = [visitor.socket, agentSocket, watcher.socket].map((s) => waitFor(s, 'conversation:updated', updatedOf(cid)));
    const closed = await ok(agentSocket, 'conversation:close', { conversationId: cid });
    expect(closed).to.include({ id: cid, status: 'closed', assigneeId: agent.agent.id });
    expect(isIsoUtc(closed.closedAt), String(closed.closedAt)).to.equal(true);
    for (const event of await Promise.all(closedEvents)) expect(event).to.include({ status: 'closed', closedAt: closed.closedAt });

    await expectError(visitor.socket, 'message:send', outgoing(cid, 'hello?'), 'CONVERSATION_CLOSED');
    await expectError(agentSocket, 'message:send', outgoing(cid, 'one more thing'), 'CONVERSATION_CLOSED');
    await expectError(agentSocket, 'conversation:close', { conversationId: cid }, 'CONFLICT');
    expect((await ok(agentSocket, 'message:list', { conversationId: cid })).map((m: any) => m.seq)).to.deep.equal([1]);

    const reopenedEvents = [visitor.socket, watcher.socket].map((s) => waitFor(s, 'conversation:updated', updatedOf(cid)));
    const reopened = await ok(agentSocket, 'conversation:reopen', { conversationId: cid });
    expect(reopened).to.include({ id: cid, status: 'assigned', assigneeId: agent.agent.id, closedAt: null });
    for (const event of await Promise.all(reopenedEvents)) expect(event).to.include({ status: 'assigned', closedAt: null });
    await expectError(agentSocket, 'conversation:reopen', { conversationId: cid }, 'CONFLICT');

    const heard = waitFor(agentSocket, 'message:created');
    const sent = await ok(visitor.socket, 'message:send', outgoing(cid, 'thanks for reopening'));
    expect(sent.seq).to.equal(2);
    expect((await heard).id).to.equal(sent.id);
  });

  it('transfer hands the conversation over: the new assignee hears the visitor, the old one no longer does', async () => {
    const chat = await startChat(t);
    const { conversation, visitor, agentSocket } = chat;
    const cid = conversation.id;
    const next = await connectMember(t, chat);

    const updates = [visitor.socket, agentSocket, next.socket].map((s) => waitFor(s, 'conversation:updated', updatedOf(cid)));
    const transferred = await ok(agentSocket, 'conversation:transfer', { conversationId: cid, agentId: next.account.agent.id });
    expect(transferred).to.include({ id: cid, status: 'assigned', assigneeId: next.account.agent.id });
    for (const event of await Promise.all(updates)) expect(event).to.include({ assigneeId: next.account.agent.id });

    const oldAssignee = expectNothing([agentSocket], 'message:created');
    const toNew = waitFor(next.socket, 'message:created');
    const sent = await ok(visitor.socket, 'message:send', outgoing(cid, 'who am I talking to now?'));
    expect((await toNew).id).to.equal(sent.id);
    await oldAssignee.quiet();

    // The previous assignee is no longer a participant; a plain agent then may not write.
    await expectError(agentSocket, 'message:send', outgoing(cid, 'still me'), 'FORBIDDEN');
    expect((await ok(next.socket, 'message:send', outgoing(cid, 'Hi, I am taking over'))).sender).to.deep.equal({ type: 'agent', id: next.account.agent.id });
  });

  it('transfer to a non-member is NOT_FOUND, to the current assignee or of a closed conversation CONFLICT', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const stranger = await ownerWithProject(t.url);
    const unchanged = expectNothing([chat.visitor.socket], 'conversation:updated');

    await expectError(chat.agentSocket, 'conversation:transfer', { conversationId: cid, agentId: stranger.owner.agent.id }, 'NOT_FOUND');
    await expectError(chat.agentSocket, 'conversation:transfer', { conversationId: cid, agentId: randomUUID() }, 'NOT_FOUND');
    await expectError(chat.agentSocket, 'conversation:transfer', { conversationId: cid, agentId: chat.agent.agent.id }, 'CONFLICT');
    await unchanged.quiet();

    await ok(chat.agentSocket, 'conversation:close', { conversationId: cid });
    await expectError(chat.agentSocket, 'conversation:transfer', { conversationId: cid, agentId: chat.owner.agent.id }, 'CONFLICT');
  });

  it('a plain agent who is not a participant is FORBIDDEN to send, close, reopen or transfer; the state stays', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const outsider = await connectMember(t, chat);
    const visitorHearsNothing = expectNothing([chat.visitor.socket], 'message:created');

    await expectError(outsider.socket, 'message:send', outgoing(cid, 'not mine to answer'), 'FORBIDDEN');
    await expectError(outsider.socket, 'conversation:close', { conversationId: cid }, 'FORBIDDEN');
    await expectError(outsider.socket, 'conversation:transfer', { conversationId: cid, agentId: outsider.account.agent.id }, 'FORBIDDEN');
    await ok(chat.agentSocket, 'conversation:close', { conversationId: cid });
    await expectError(outsider.socket, 'conversation:reopen', { conversationId: cid }, 'FORBIDDEN');
    await visitorHearsNothing.quiet();

    const [now] = (await ok(outsider.socket, 'conversation:list', {})).filter((c: any) => c.id === cid);
    expect(now).to.include({ status: 'closed', assigneeId: chat.agent.agent.id, lastSeq: 1 });
    // Reading is open to every agent of the project.
    expect(await ok(outsider.socket, 'message:list', { conversationId: cid })).to.have.length(1);
  });

  it('an admin who never joined may send, close, reopen and transfer', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const admin = await connectMember(t, chat, 'admin');
    const other = await connectMember(t, chat);

    const heard = waitFor(chat.visitor.socket, 'message:created');
    const sent = await ok(admin.socket, 'message:send', outgoing(cid, 'An admin here.'));
    expect(sent.sender).to.deep.equal({ type: 'agent', id: admin.account.agent.id });
    expect((await heard).id).to.equal(sent.id);

    expect((await ok(admin.socket, 'conversation:close', { conversationId: cid })).status).to.equal('closed');
    expect((await ok(admin.socket, 'conversation:reopen', { conversationId: cid })).status).to.equal('assigned');
    const toOther = waitFor(other.socket, 'conversation:updated', (c: any) => c.id === cid && c.assigneeId === other.account.agent.id);
    const moved = await ok(admin.socket, 'conversation:transfer', { conversationId: cid, agentId: other.account.agent.id });
    expect(moved).to.include({ status: 'assigned', assigneeId: other.account.agent.id });
    await toOther;
  });

  it('conversation:leave by the assignee puts it back to unassigned, and it stops hearing the visitor', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const watcher = await connectMember(t, chat);

    const updates = [chat.visitor.socket, chat.agentSocket, watcher.socket].map((s) => waitFor(s, 'conversation:updated', updatedOf(cid)));
    expect(await ok(chat.agentSocket, 'conversation:leave', { conversationId: cid })).to.deep.equal({});
    for (const event of await Promise.all(updates)) expect(event).to.include({ id: cid, status: 'unassigned', assigneeId: null });

    const left = expectNothing([chat.agentSocket], 'message:created');
    await ok(chat.visitor.socket, 'message:send', outgoing(cid, 'anyone?'));
    await left.quiet();

    // Back in the queue: the next agent to join gets it.
    const joined = await ok(watcher.socket, 'conversation:join', { conversationId: cid });
    expect(joined.conversation).to.include({ status: 'assigned', assigneeId: watcher.account.agent.id });
    expect(joined.messages.map((m: any) => m.text)).to.deep.equal(['Hello, I need help', 'anyone?']);
  });

  it('rating: an open conversation is CONFLICT; a closed one acks with the rating and agents hear it; 6 is refused', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const watcher = await connectMember(t, chat);
    const secondTab = await t.connectVisitor(chat.projectId, { token: chat.visitor.session.token });

    await expectError(chat.visitor.socket, 'conversation:rate', { conversationId: cid, rating: 5 }, 'CONFLICT');
    await ok(chat.agentSocket, 'conversation:close', { conversationId: cid });

    for (const bad of [{ rating: 6 }, { rating: 0 }, { rating: 4.5 }, {}]) {
      const error = await expectError(chat.visitor.socket, 'conversation:rate', { conversationId: cid, ...bad }, 'VALIDATION_FAILED');
      expect(error.details.map((d: any) => d.path), JSON.stringify(bad)).to.deep.equal(['rating']);
    }

    const rated = (c: any) => c.id === cid && c.rating === 4;
    const heard = [chat.agentSocket, watcher.socket, secondTab.socket].map((s) => waitFor(s, 'conversation:updated', rated));
    const answer = await ok(chat.visitor.socket, 'conversation:rate', { conversationId: cid, rating: 4, comment: 'Quick and kind' });
    expect(answer).to.include({ id: cid, status: 'closed', rating: 4 });
    for (const event of await Promise.all(heard)) expect(event).to.include({ status: 'closed', rating: 4 });

    // The visitor may change its mind while the conversation stays closed.
    const again = await ok(chat.visitor.socket, 'conversation:rate', { conversationId: cid, rating: 5 });
    expect(again.rating).to.equal(5);
  });
});
