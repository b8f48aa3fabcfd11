/**
 * Typing that ends by itself: a `typing: true` not refreshed within TYPING_TIMEOUT_MS (5 s by
 * default) is followed by `typing: false` to the other side; so is a typing socket that
 * disconnects or sends its message. A `typing: false` cancels the timer.
 */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { collect, ok, sleep } from '../support/clients.js';
import { connectMember, expectNothing, outgoing, startChat, waitFor } from '../support/chat-fixtures.js';

const isStop = (cid: string) => (e: any) => e.conversationId === cid && e.typing === false;

describe('typing that ends by itself', () => {
  /** The default timeout (5 s); one with a short one; one with a timeout no test waits for. */
  let standard: TestApp;
  let short: TestApp;
  let long: TestApp;
  const SHORT_MS = 1500;
  before(async () => {
    standard = await startApp({ RATE_LIMIT_SOCKET: '0' });
    short = await startApp({ RATE_LIMIT_SOCKET: '0', TYPING_TIMEOUT_MS: String(SHORT_MS) });
    long = await startApp({ RATE_LIMIT_SOCKET: '0', TYPING_TIMEOUT_MS: '600000' });
  });
  after(async () => {
    await standard.close();
    await short.close();
    await long.close();
  });

  it('a visitor’s typing: true not refreshed is followed by typing: false to the agents after 5 s', async function () {
    this.timeout(40_000);
    const chat = await startChat(standard);
    const cid = chat.conversation.id;
    const ownSide = expectNothing([chat.visitor.socket], 'typing');
    const sender = { type: 'visitor', id: chat.visitor.session.visitorId };

    const started = waitFor(chat.agentSocket, 'typing');
    const sentAt = Date.now();
    await ok(chat.visitor.socket, 'typing', { conversationId: cid, typing: true });
    expect(await started).to.deep.equal({ conversationId: cid, sender, typing: true });
    const stopped = await waitFor(chat.agentSocket, 'typing');
    const after = Date.now() - sentAt;
    expect(stopped).to.deep.equal({ conversationId: cid, sender, typing: false });
    // Not before 5 s (the timer starts when the server got the command, after we sent it).
    expect(after).to.be.at.least(4_950);
    await ownSide.quiet();
  });

  it('an agent’s typing ends by itself for every visitor tab and the other agents, not the agent', async function () {
    this.timeout(40_000);
    const chat = await startChat(short);
    const cid = chat.conversation.id;
    const tab2 = await short.connectVisitor(chat.projectId, { token: chat.visitor.session.token });
    const colleague = await connectMember(short, chat);
    await ok(colleague.socket, 'conversation:join', { conversationId: cid });
    const ownSide = expectNothing([chat.agentSocket], 'typing');
    const sender = { type: 'agent', id: chat.agent.agent.id };

    const others = [chat.visitor.socket, tab2.socket, colleague.socket];
    const heard = others.map((s) => collect<any>(s, 'typing'));
    const stopped = others.map((s) => waitFor(s, 'typing', isStop(cid)));
    const sentAt = Date.now();
    await ok(chat.agentSocket, 'typing', { conversationId: cid, typing: true });
    for (const event of await Promise.all(stopped)) expect(event).to.deep.equal({ conversationId: cid, sender, typing: false });
    expect(Date.now() - sentAt).to.be.at.least(SHORT_MS - 50);
    for (const events of heard) expect(events.map((e) => e.typing)).to.deep.equal([true, false]);
    await ownSide.quiet();
  });

  it('refreshing typing: true keeps it going; the end comes a timeout after the last refresh', async function () {
    this.timeout(40_000);
    const chat = await startChat(short);
    const cid = chat.conversation.id;
    const heard = collect<any>(chat.agentSocket, 'typing');
    let lastSentAt = 0;
    for (let i = 0; i < 6; i += 1) {
      lastSentAt = Date.now();
      await ok(chat.visitor.socket, 'typing', { conversationId: cid, typing: true });
      await sleep(SHORT_MS / 3);
    }
    // Six refreshes over 2.5 timeouts: nothing ended yet.
    expect(heard.filter((e) => e.typing === false)).to.deep.equal([]);
    await waitFor(chat.agentSocket, 'typing', isStop(cid));
    expect(Date.now() - lastSentAt).to.be.at.least(SHORT_MS - 50);
    expect(heard.map((e) => e.typing)).to.deep.equal([true, true, true, true, true, true, false]);
  });

  it('typing: false cancels the timer: one end, not two', async function () {
    this.timeout(40_000);
    const chat = await startChat(short);
    const cid = chat.conversation.id;
    const heard = collect<any>(chat.agentSocket, 'typing');
    const stopped = waitFor(chat.agentSocket, 'typing', isStop(cid));
    await ok(chat.visitor.socket, 'typing', { conversationId: cid, typing: true });
    await ok(chat.visitor.socket, 'typing', { conversationId: cid, typing: false });
    await stopped;
    await sleep(SHORT_MS * 2);
    expect(heard.map((e) => e.typing)).to.deep.equal([true, false]);
  });

  it('a sent message ends the typing at once, after the message, and cancels the timer', async function () {
    this.timeout(40_000);
    const chat = await startChat(short);
    const cid = chat.conversation.id;
    const order: string[] = [];
    chat.agentSocket.on('typing', (e: any) => order.push(`typing:${e.typing}`));
    chat.agentSocket.on('message:created', (m: any) => order.push(`message:${m.text}`));
    const started = waitFor(chat.agentSocket, 'typing');
    await ok(chat.visitor.socket, 'typing', { conversationId: cid, typing: true });
    await started;
    const stopped = waitFor(chat.agentSocket, 'typing', isStop(cid));
    await ok(chat.visitor.socket, 'message:send', outgoing(cid, 'here is my order number'));
    await stopped;
    await sleep(SHORT_MS * 2);
    expect(order).to.deep.equal(['typing:true', 'message:here is my order number', 'typing:false']);

    // The other direction: the agent's reply ends its typing for the visitor.
    const visitorOrder: string[] = [];
    chat.visitor.socket.on('typing', (e: any) => visitorOrder.push(`typing:${e.typing}`));
    chat.visitor.socket.on('message:created', (m: any) => visitorOrder.push(`message:${m.text}`));
    const visitorStopped = waitFor(chat.visitor.socket, 'typing', isStop(cid));
    await ok(chat.agentSocket, 'typing', { conversationId: cid, typing: true });
    await ok(chat.agentSocket, 'message:send', outgoing(cid, 'thanks, looking'));
    await visitorStopped;
    await sleep(SHORT_MS * 2);
    expect(visitorOrder).to.deep.equal(['typing:true', 'message:thanks, looking', 'typing:false']);
  });

  it('a typing socket that disconnects ends its typing, on both sides (long before any timeout)', async function () {
    this.timeout(40_000);
    const chat = await startChat(long);
    const cid = chat.conversation.id;

    // The visitor's tab closes while typing: the agent hears the end.
    const visitorStarted = waitFor(chat.agentSocket, 'typing');
    await ok(chat.visitor.socket, 'typing', { conversationId: cid, typing: true });
    await visitorStarted;
    const visitorStopped = waitFor(chat.agentSocket, 'typing', isStop(cid));
    chat.visitor.socket.disconnect();
    expect(await visitorStopped).to.deep.equal({ conversationId: cid, sender: { type: 'visitor', id: chat.visitor.session.visitorId }, typing: false });

    // The agent's console closes while typing: the visitor (back in another tab) hears the end.
    const tab = await long.connectVisitor(chat.projectId, { token: chat.visitor.session.token });
    const agentStarted = waitFor(tab.socket, 'typing');
    await ok(chat.agentSocket, 'typing', { conversationId: cid, typing: true });
    await agentStarted;
    const agentStopped = waitFor(tab.socket, 'typing', isStop(cid));
    chat.agentSocket.disconnect();
    expect(await agentStopped).to.deep.equal({ conversationId: cid, sender: { type: 'agent', id: chat.agent.agent.id }, typing: false });
  });
});
