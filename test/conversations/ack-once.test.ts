/** Every socket command answers exactly once, in success and in failure, counted on the wire. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { startApp, type TestApp } from '../support/start-app.js';
import { ok, sleep } from '../support/clients.js';
import { connectMember, EVENT_TIMEOUT_MS, outgoing, startChat } from '../support/chat-fixtures.js';

const ACK = 3;
const BINARY_ACK = 6;
const NO_PAYLOAD = Symbol('no payload');

/**
 * Counts ACK packets per packet id as the manager decodes them (socket.io-client itself
 * would silently drop a second ack of one id), and callback invocations per command.
 */
function ackCounter(socket: Socket, nsp: '/visitor' | '/agent') {
  const packets = new Map<number, number>();
  socket.io.on('packet', (packet: { type: number; nsp: string; id?: number }) => {
    if ((packet.type === ACK || packet.type === BINARY_ACK) && packet.id !== undefined && packet.nsp === nsp) {
      packets.set(packet.id, (packets.get(packet.id) ?? 0) + 1);
    }
  });
  const commands: { event: string; calls: any[] }[] = [];
  return {
    packets,
    commands,
    /** A raw `socket.emit(event, payload, cb)`; resolves with the first answer. */
    emit(event: string, payload: unknown = NO_PAYLOAD): Promise<any> {
      const command = { event, calls: [] as any[] };
      commands.push(command);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), EVENT_TIMEOUT_MS);
        const cb = (answer: any) => {
          command.calls.push(answer);
          clearTimeout(timer);
          resolve(answer);
        };
        if (payload === NO_PAYLOAD) socket.emit(event, cb);
        else socket.emit(event, payload, cb);
      });
    },
    /** After a pause for stragglers: one callback per command, one ACK packet per id. */
    async expectOnceEach(): Promise<void> {
      await sleep(500);
      for (const { event, calls } of commands) expect(calls, event).to.have.length(1);
      expect(packets.size, 'ack packets').to.equal(commands.length);
      for (const [id, count] of packets) expect(count, `ack packet #${id}`).to.equal(1);
    },
  };
}

describe('conversations: every command acks exactly once', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
  });
  after(async () => {
    await t.close();
  });

  it('visitor commands, successful and failing', async () => {
    const { projectId } = await startChat(t, { join: false });
    const visitor = await t.connectVisitor(projectId);
    const wire = ackCounter(visitor.socket, '/visitor');
    const results: [string, any][] = [];
    const run = async (event: string, payload?: unknown) => results.push([event, await wire.emit(event, payload)]);

    await run('lead:update', { fullname: 'Ada Lovelace' });
    const started = await wire.emit('conversation:start', { text: 'hi' });
    const cid = started.data.id;
    await run('conversation:list', {});
    await run('message:send', outgoing(cid, 'hello'));
    await run('message:list', { conversationId: cid });
    await run('conversation:read', { conversationId: cid, seq: 2 });
    await run('typing', { conversationId: cid, typing: true });
    const good = results.length;
    await run('conversation:rate', { conversationId: cid, rating: 5 }); // CONFLICT: still open
    await run('message:send', outgoing(randomUUID(), 'nowhere')); // NOT_FOUND
    await run('message:send', { conversationId: cid }); // VALIDATION_FAILED
    await run('message:send', outgoing(cid, 'x'.repeat(4001))); // PAYLOAD_TOO_LARGE
    await run('message:list'); // no payload at all
    await run('lead:update', { email: 'not an email' });

    expect(started.ok).to.equal(true);
    expect(results.slice(0, good).map(([e, r]) => [e, r.ok])).to.deep.equal(results.slice(0, good).map(([e]) => [e, true]));
    expect(results.slice(good).map(([, r]) => r.error?.code)).to.deep.equal([
      'CONFLICT', 'NOT_FOUND', 'VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'VALIDATION_FAILED', 'VALIDATION_FAILED',
    ]);
    await wire.expectOnceEach();
  });

  it('agent commands, successful and failing', async () => {
    const chat = await startChat(t, { join: false });
    const cid = chat.conversation.id;
    const colleague = await connectMember(t, chat);
    const wire = ackCounter(chat.agentSocket, '/agent');
    const results: [string, any][] = [];
    const run = async (event: string, payload?: unknown) => results.push([event, await wire.emit(event, payload)]);

    await run('presence:set', { status: 'away' });
    await run('conversation:list', {});
    await run('conversation:join', { conversationId: cid });
    await run('message:send', outgoing(cid, 'hello'));
    await run('message:list', { conversationId: cid });
    await run('conversation:read', { conversationId: cid, seq: 2 });
    await run('typing', { conversationId: cid, typing: true });
    await run('conversation:close', { conversationId: cid });
    await run('conversation:reopen', { conversationId: cid });
    await run('conversation:transfer', { conversationId: cid, agentId: colleague.account.agent.id });
    await run('conversation:leave', { conversationId: cid });
    const good = results.length;
    await run('message:send', outgoing(cid, 'not mine anymore')); // FORBIDDEN
    await run('conversation:join', { conversationId: randomUUID() }); // NOT_FOUND
    await run('conversation:reopen', { conversationId: cid }); // FORBIDDEN before CONFLICT
    await run('presence:set', { status: 'busy' }); // VALIDATION_FAILED
    await run('conversation:close'); // no payload at all

    expect(results.slice(0, good).filter(([, r]) => !r.ok), 'failed commands').to.deep.equal([]);
    expect(results.slice(good).map(([, r]) => r.error?.code)).to.deep.equal([
      'FORBIDDEN', 'NOT_FOUND', 'FORBIDDEN', 'VALIDATION_FAILED', 'VALIDATION_FAILED',
    ]);
    await wire.expectOnceEach();
  });

  it('a command sent without a callback is harmless: the socket stays up and answers the next one', async () => {
    const chat = await startChat(t);
    const cid = chat.conversation.id;
    chat.visitor.socket.emit('message:send', outgoing(cid, 'fire and forget'));
    chat.visitor.socket.emit('message:send', { nonsense: true });
    chat.agentSocket.emit('conversation:close');
    // Sends of one socket are stored in order: once this one is acked, the one before is stored too.
    await ok(chat.visitor.socket, 'message:send', outgoing(cid, 'acked'));
    const listed = await ok(chat.visitor.socket, 'message:list', { conversationId: cid });
    expect(listed.map((m: any) => m.text)).to.deep.equal(['Hello, I need help', 'fire and forget', 'acked']);
    const [still] = (await ok(chat.agentSocket, 'conversation:list', {})).filter((c: any) => c.id === cid);
    expect(still.status).to.equal('assigned');
    expect(chat.visitor.socket.connected && chat.agentSocket.connected).to.equal(true);
  });
});
