/** Read receipts and typing: they reach the other side of the conversation, never the sender. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ok } from '../support/clients.js';
import { connectMember, expectNothing, outgoing, startChat, waitFor, type Chat } from '../support/chat-fixtures.js';

/** The conversation as agents see it over REST. */
async function conversationNow(t: TestApp, chat: Chat) {
  const res = await api(t.url, 'GET', `/v1/projects/${chat.projectId}/conversations/${chat.conversation.id}`, { token: chat.owner.token });
  expect(res.status).to.equal(200);
  return res.body;
}

describe('conversations: read receipts and typing', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
  });
  after(async () => {
    await t.close();
  });

  it('the visitor’s read position moves forward only, clamped to lastSeq, and the agent is told', async () => {
    const chat = await startChat(t);
    const { visitor, agentSocket } = chat;
    const cid = chat.conversation.id;
    await ok(agentSocket, 'message:send', outgoing(cid, 'first answer'));
    await ok(agentSocket, 'message:send', outgoing(cid, 'second answer'));
    const ownSide = expectNothing([visitor.socket], 'conversation:read');
    const reader = { type: 'visitor', id: visitor.session.visitorId };

    let told = waitFor(agentSocket, 'conversation:read');
    expect(await ok(visitor.socket, 'conversation:read', { conversationId: cid, seq: 2 })).to.deep.equal({});
    expect(await told).to.deep.equal({ conversationId: cid, reader, seq: 2 });
    expect(await conversationNow(t, chat)).to.include({ visitorLastReadSeq: 2, agentLastReadSeq: 0, lastSeq: 3 });

    // Backwards (or standing still) changes nothing and tells nobody.
    const silence = expectNothing([agentSocket], 'conversation:read');
    expect(await ok(visitor.socket, 'conversation:read', { conversationId: cid, seq: 1 })).to.deep.equal({});
    await ok(visitor.socket, 'conversation:read', { conversationId: cid, seq: 2 });
    await silence.quiet();
    expect((await conversationNow(t, chat)).visitorLastReadSeq).to.equal(2);

    // Past the end is clamped to the last message.
    told = waitFor(agentSocket, 'conversation:read');
    await ok(visitor.socket, 'conversation:read', { conversationId: cid, seq: 99 });
    expect(await told).to.deep.equal({ conversationId: cid, reader, seq: 3 });
    expect((await conversationNow(t, chat)).visitorLastReadSeq).to.equal(3);
    await ownSide.quiet();
  });

  it('the agent’s read position reaches every visitor tab, not the agent', async () => {
    const chat = await startChat(t);
    const { visitor, agentSocket, agent } = chat;
    const cid = chat.conversation.id;
    await ok(visitor.socket, 'message:send', outgoing(cid, 'more details'));
    const secondTab = await t.connectVisitor(chat.projectId, { token: visitor.session.token });
    const ownSide = expectNothing([agentSocket], 'conversation:read');

    const expected = { conversationId: cid, reader: { type: 'agent', id: agent.agent.id }, seq: 2 };
    const told = [visitor.socket, secondTab.socket].map((s) => waitFor(s, 'conversation:read'));
    expect(await ok(agentSocket, 'conversation:read', { conversationId: cid, seq: 2 })).to.deep.equal({});
    for (const event of await Promise.all(told)) expect(event).to.deep.equal(expected);
    expect(await conversationNow(t, chat)).to.include({ agentLastReadSeq: 2, visitorLastReadSeq: 0 });

    const silence = expectNothing([visitor.socket], 'conversation:read');
    await ok(agentSocket, 'conversation:read', { conversationId: cid, seq: 1 });
    await silence.quiet();
    expect((await conversationNow(t, chat)).agentLastReadSeq).to.equal(2);
    await ownSide.quiet();
  });

  it('a visitor typing reaches the conversation’s agents, not the visitor nor agents who did not join', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const bystander = await connectMember(t, chat);
    const notHeard = expectNothing([chat.visitor.socket, bystander.socket], 'typing');

    const heard = waitFor(chat.agentSocket, 'typing');
    expect(await ok(chat.visitor.socket, 'typing', { conversationId: cid, typing: true })).to.deep.equal({});
    expect(await heard).to.deep.equal({ conversationId: cid, sender: { type: 'visitor', id: chat.visitor.session.visitorId }, typing: true });

    const stopped = waitFor(chat.agentSocket, 'typing');
    await ok(chat.visitor.socket, 'typing', { conversationId: cid, typing: false });
    expect((await stopped).typing).to.equal(false);
    await notHeard.quiet();
  });

  it('an agent typing reaches the visitor and the other agents of the conversation, not its own socket', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const colleague = await connectMember(t, chat);
    await ok(colleague.socket, 'conversation:join', { conversationId: cid });
    const notHeard = expectNothing([chat.agentSocket], 'typing');

    const expected = { conversationId: cid, sender: { type: 'agent', id: chat.agent.agent.id }, typing: true };
    const heard = [chat.visitor.socket, colleague.socket].map((s) => waitFor(s, 'typing'));
    expect(await ok(chat.agentSocket, 'typing', { conversationId: cid, typing: true })).to.deep.equal({});
    for (const event of await Promise.all(heard)) expect(event).to.deep.equal(expected);
    await notHeard.quiet();
  });
});
