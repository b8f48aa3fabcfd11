/**
 * Private notes: an agent's `message:send { private: true }` reaches the conversation's agents and
 * never a visitor — not through any event on any of the lead's sockets, any list, firstText,
 * a reconnect's catch-up or any answer. Every visitor socket records everything it receives, and
 * the notes' texts must appear nowhere in it.
 */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, api, ok } from '../support/clients.js';
import { connectMember, expectError, expectNothing, MESSAGE_KEYS, outgoing, startChat, waitFor } from '../support/chat-fixtures.js';

/** Everything a visitor socket receives (events and acks), as JSON, to search for leaks. */
class VisitorLog {
  readonly seen: string[] = [];

  watch(socket: Socket): Socket {
    socket.onAny((event: string, ...args: unknown[]) => this.seen.push(`${event} ${JSON.stringify(args)}`));
    return socket;
  }

  /** A command whose answer goes into the log too. */
  async call<T = any>(socket: Socket, event: string, payload: unknown): Promise<T> {
    const res = await ack<T>(socket, event, payload);
    this.seen.push(`ack ${event} ${JSON.stringify(res)}`);
    if (!res.ok) throw new Error(`${event} failed: ${JSON.stringify(res.error)}`);
    return res.data;
  }

  expectNone(secrets: string[]): void {
    expect(this.seen.length, 'the visitor received something').to.be.greaterThan(0);
    for (const line of this.seen) {
      for (const secret of secrets) expect(line, `a private note reached a visitor: ${line}`).to.not.include(secret);
      expect(line).to.not.match(/"private":true/);
    }
  }
}

const seqsOf = (messages: any[]) => messages.map((m) => m.seq);

describe('private notes', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
  });
  after(async () => {
    await t.close();
  });

  it('reach the assignee and watchers, and no visitor path: events on every tab, lists, firstText, catch-up, answers', async function () {
    this.timeout(60_000);
    // Started without text: the first message of the conversation is a private note.
    const chat = await startChat(t, { text: null });
    const cid = chat.conversation.id;
    const log = new VisitorLog();
    const tab1 = log.watch(chat.visitor.socket);
    const tab2 = log.watch((await t.connectVisitor(chat.projectId, { token: chat.visitor.session.token })).socket);
    const watcher = await connectMember(t, chat);
    await ok(watcher.socket, 'conversation:join', { conversationId: cid });
    const bystander = await connectMember(t, chat);
    const bystanderHears = expectNothing([bystander.socket], 'message:created');
    const secrets: string[] = [];
    const note = async (text: string) => {
      secrets.push(text);
      const heard = waitFor(watcher.socket, 'message:created', (m: any) => m.text === text);
      const sent = await ok(chat.agentSocket, 'message:send', outgoing(cid, text, { private: true }));
      expect(sent).to.include({ text, private: true });
      expect(Object.keys(sent).sort()).to.deep.equal(MESSAGE_KEYS);
      expect(await heard).to.deep.equal(sent);
      return sent;
    };
    /** The lead's connected tabs: each must hear every public message but its own. */
    let tabs = [tab1, tab2];
    const reply = async (socket: Socket, text: string) => {
      const heard = tabs.filter((s) => s !== socket).map((s) => waitFor(s, 'message:created', (m: any) => m.text === text));
      const payload = outgoing(cid, text);
      const sent = tabs.includes(socket) ? await log.call(socket, 'message:send', payload) : await ok(socket, 'message:send', payload);
      expect(sent.private).to.equal(false);
      await Promise.all(heard);
      return sent;
    };

    expect((await note('secret 1: the customer is on the legacy plan')).seq).to.equal(1);
    // A private first message never becomes firstText.
    const asAgents = await api(t.url, 'GET', `/v1/projects/${chat.projectId}/conversations/${cid}`, { token: chat.owner.token });
    expect(asAgents.body).to.include({ firstText: null, lastSeq: 1 });
    expect((await log.call(tab1, 'conversation:list', {}))[0]).to.include({ id: cid, firstText: null });

    expect((await reply(tab1, 'hello, anyone there?')).seq).to.equal(2);
    expect((await reply(chat.agentSocket, 'yes, how can I help?')).seq).to.equal(3);
    await note('secret 4: refund already denied once');
    expect((await reply(chat.agentSocket, 'let me check')).seq).to.equal(5);
    await note('secret 6: escalate to billing');
    expect((await reply(tab2, 'thanks')).seq).to.equal(7);

    // The visitor's lists skip private seqs; `limit` counts what the visitor may see.
    const list = (q: object) => log.call<any[]>(tab1, 'message:list', { conversationId: cid, ...q });
    expect(seqsOf(await list({}))).to.deep.equal([2, 3, 5, 7]);
    expect(seqsOf(await list({ afterSeq: 0 }))).to.deep.equal([2, 3, 5, 7]);
    expect(seqsOf(await list({ afterSeq: 3, limit: 1 }))).to.deep.equal([5]);
    expect(seqsOf(await list({ afterSeq: 0, limit: 2 }))).to.deep.equal([2, 3]);
    expect(seqsOf(await list({ beforeSeq: 7, limit: 2 }))).to.deep.equal([3, 5]);
    expect(seqsOf(await list({ beforeSeq: 2 }))).to.deep.equal([]);
    expect(seqsOf(await list({ afterSeq: 1, beforeSeq: 7 }))).to.deep.equal([2, 3, 5]);
    expect(seqsOf(await list({ limit: 2 }))).to.deep.equal([5, 7]);
    for (const m of await list({})) expect(Object.keys(m).sort()).to.deep.equal(MESSAGE_KEYS);

    // firstText is the visitor's first message; conversation:list carries nothing private.
    const [listed] = await log.call<any[]>(tab2, 'conversation:list', {});
    expect(listed).to.include({ id: cid, firstText: 'hello, anyone there?', lastSeq: 7 });

    // Agents see everything, flagged: their own list, REST, a join.
    const agentList = await ok(chat.agentSocket, 'message:list', { conversationId: cid });
    expect(agentList.map((m: any) => [m.seq, m.private])).to.deep.equal([
      [1, true], [2, false], [3, false], [4, true], [5, false], [6, true], [7, false],
    ]);
    const rest = await api(t.url, 'GET', `/v1/projects/${chat.projectId}/conversations/${cid}/messages?afterSeq=3`, { token: chat.owner.token });
    expect(rest.status).to.equal(200);
    expect(rest.body.data.map((m: any) => [m.seq, m.private])).to.deep.equal([[4, true], [5, false], [6, true], [7, false]]);
    // An agent of the project who did not join heard none of it; once joined, it sees the notes.
    await bystanderHears.quiet();
    const joined = await ok(bystander.socket, 'conversation:join', { conversationId: cid });
    expect(joined.messages.filter((m: any) => m.private).map((m: any) => m.seq)).to.deep.equal([1, 4, 6]);

    // Catch-up after a reconnect: notes written while the tab was away stay away.
    tab2.disconnect();
    await note('secret 8: written while the visitor was offline');
    const back = log.watch((await t.connectVisitor(chat.projectId, { token: chat.visitor.session.token })).socket);
    tabs = [tab1, back];
    expect(seqsOf(await log.call(back, 'message:list', { conversationId: cid, afterSeq: 7 }))).to.deep.equal([]);
    await reply(chat.agentSocket, 'found it');
    expect(seqsOf(await log.call(back, 'message:list', { conversationId: cid, afterSeq: 7 }))).to.deep.equal([9]);
    expect(seqsOf(await log.call(back, 'message:list', { conversationId: cid, afterSeq: 5 }))).to.deep.equal([7, 9]);

    // A new conversation's answer, and the agent closing the old one: still nothing private.
    const second = await log.call(tab1, 'conversation:start', { text: 'one more thing' });
    expect(second).to.include({ firstText: 'one more thing' });
    const closed = tabs.map((s) => waitFor(s, 'conversation:updated', (c: any) => c.id === cid && c.status === 'closed'));
    await ok(chat.agentSocket, 'conversation:close', { conversationId: cid });
    await Promise.all(closed);
    const [newest, older] = await log.call<any[]>(back, 'conversation:list', {});
    expect([newest.id, older.id]).to.deep.equal([second.id, cid]);

    // Let every event of the steps above arrive, then search everything every tab received.
    log.expectNone(secrets);
    expect(log.seen.some((line) => line.includes('message:created') && line.includes('let me check'))).to.equal(true);
  });

  it('an agent typing a private note is heard by the other agents, never by the visitor; a note ends that typing', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const watcher = await connectMember(t, chat);
    await ok(watcher.socket, 'conversation:join', { conversationId: cid });
    const visitorHears = expectNothing([chat.visitor.socket], 'typing');

    const started = waitFor(watcher.socket, 'typing', (e: any) => e.typing === true);
    expect(await ok(chat.agentSocket, 'typing', { conversationId: cid, typing: true, private: true })).to.deep.equal({});
    expect(await started).to.deep.equal({ conversationId: cid, sender: { type: 'agent', id: chat.agent.agent.id }, typing: true });
    const ended = waitFor(watcher.socket, 'typing', (e: any) => e.typing === false);
    await ok(chat.agentSocket, 'message:send', outgoing(cid, 'internal: VIP', { private: true }));
    expect((await ended).typing).to.equal(false);
    await visitorHears.quiet();
  });

  it('a visitor cannot send a private note, nor type one: VALIDATION_FAILED, nothing stored', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    const agentHears = expectNothing([chat.agentSocket], 'message:created', (m: any) => m.text === 'psst');

    const error = await expectError(chat.visitor.socket, 'message:send', outgoing(cid, 'psst', { private: true }), 'VALIDATION_FAILED');
    expect(error.details.map((d: any) => d.path)).to.deep.equal(['private']);
    await expectError(chat.visitor.socket, 'message:send', outgoing(cid, 'psst', { private: 'yes' }), 'VALIDATION_FAILED');
    const typing = await expectError(chat.visitor.socket, 'typing', { conversationId: cid, typing: true, private: true }, 'VALIDATION_FAILED');
    expect(typing.details.map((d: any) => d.path)).to.deep.equal(['private']);
    // An agent's `private` must be a boolean too.
    await expectError(chat.agentSocket, 'message:send', outgoing(cid, 'psst', { private: 1 }), 'VALIDATION_FAILED');

    const all = await ok(chat.agentSocket, 'message:list', { conversationId: cid });
    expect(all.map((m: any) => m.text)).to.deep.equal(['Hello, I need help']);
    // `private: false` is what every visitor message is anyway: accepted.
    const sent = await ok(chat.visitor.socket, 'message:send', outgoing(cid, 'public', { private: false }));
    expect(sent).to.include({ seq: 2, private: false });
    await agentHears.quiet();
  });
});
