/**
 * An assignee who leaves a closed conversation is no longer its assignee: reopening it later
 * puts it in the queue (`unassigned`) instead of handing it back to someone who left.
 */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ok } from '../support/clients.js';
import { connectMember, expectError, expectNothing, outgoing, startChat, waitFor } from '../support/chat-fixtures.js';

const updatedOf = (conversationId: string) => (c: any) => c.id === conversationId;

describe('conversations: reopening after the assignee left', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
  });
  after(async () => {
    await t.close();
  });

  it('leaving a closed conversation clears its assignee (everyone hears it); reopening makes it unassigned', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const admin = await connectMember(t, chat, 'admin');
    await ok(chat.agentSocket, 'conversation:close', { conversationId: cid });

    const cleared = (c: any) => c.id === cid && c.assigneeId === null;
    const updates = [chat.visitor.socket, admin.socket].map((s) => waitFor(s, 'conversation:updated', cleared));
    expect(await ok(chat.agentSocket, 'conversation:leave', { conversationId: cid })).to.deep.equal({});
    for (const event of await Promise.all(updates)) expect(event).to.include({ status: 'closed', assigneeId: null });

    // The agent who left is no participant any more: it may not reopen it.
    await expectError(chat.agentSocket, 'conversation:reopen', { conversationId: cid }, 'FORBIDDEN');
    const reopenedEvents = [chat.visitor.socket, chat.agentSocket].map((s) => waitFor(s, 'conversation:updated', updatedOf(cid)));
    const reopened = await ok(admin.socket, 'conversation:reopen', { conversationId: cid });
    expect(reopened).to.include({ status: 'unassigned', assigneeId: null, closedAt: null });
    for (const event of await Promise.all(reopenedEvents)) expect(event).to.include({ status: 'unassigned', assigneeId: null });

    // The agent who left hears nothing of it; the next agent to join gets it.
    const quiet = expectNothing([chat.agentSocket], 'message:created');
    await ok(chat.visitor.socket, 'message:send', outgoing(cid, 'back again'));
    await quiet.quiet();
    const joined = await ok(admin.socket, 'conversation:join', { conversationId: cid });
    expect(joined.conversation).to.include({ status: 'assigned', assigneeId: admin.account.agent.id });
  });

  it('another participant leaving a closed conversation keeps the assignee, who gets it back on reopen', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const watcher = await connectMember(t, chat);
    await ok(watcher.socket, 'conversation:join', { conversationId: cid });
    const closedEvents = [chat.visitor.socket, chat.agentSocket].map((s) => waitFor(s, 'conversation:updated', (c: any) => c.id === cid && c.status === 'closed'));
    await ok(chat.agentSocket, 'conversation:close', { conversationId: cid });
    await Promise.all(closedEvents);

    const none = expectNothing([chat.visitor.socket, chat.agentSocket], 'conversation:updated', updatedOf(cid));
    expect(await ok(watcher.socket, 'conversation:leave', { conversationId: cid })).to.deep.equal({});
    await none.quiet();
    const reopened = await ok(chat.agentSocket, 'conversation:reopen', { conversationId: cid });
    expect(reopened).to.include({ status: 'assigned', assigneeId: chat.agent.agent.id });
  });
});
