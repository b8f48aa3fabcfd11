/**
 * Fuzz: generated junk to every command of /visitor and /agent (as events.ts declares them),
 * unknown events, missing acks, extra arguments, binary frames, protocol garbage, junk
 * handshakes and a 3 MB packet. Every command carrying an ack is answered exactly once with
 * `ok` or a contract code, never INTERNAL; no prototype is polluted; the server still chats.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { startApp, type TestApp } from '../support/start-app.js';
import { ok } from '../support/clients.js';
import { outgoing, startChat, waitFor, type Chat } from '../support/chat-fixtures.js';
import { describeInput, FUZZ_SEED, fuzzRuns, junkString, junkValue, mutated, pollutionSeen, prototypeSnapshot, PROTOTYPE_BOMBS, fitsOnTheWire } from './junk.js';
import { sendProtocolGarbage, tryJunkHandshakes } from './socket-garbage.js';
import { CLIENT_RESERVED, countAckPackets, declaredCommands, disconnectWithin, emitWithAck, registeredCommands, verdictOf } from './socket-wire.js';

const RUNS = fuzzRuns(3000);
const ACK_TIMEOUT_MS = 15_000;
const IN_FLIGHT = 16;
/** Under the server's 1 MB packet limit with room to spare; heavier inputs go to a throwaway socket. */
const WIRE_BUDGET = 900_000;

type Side = 'visitor' | 'agent' | 'owner';
interface SocketInput {
  side: Side;
  event: string;
  /** The arguments before the ack. */
  args: unknown[];
  withAck: boolean;
}

/** A valid payload for every command, with this chat's ids: the fuzz mutates them. */
function templates(chat: Chat): Record<string, Record<string, unknown>> {
  const conversationId = chat.conversation.id;
  return {
    'message:send': outgoing(conversationId, 'fuzz says hi', { attributes: { page: '/pricing' } }),
    'message:list': { conversationId, afterSeq: 0, beforeSeq: 1000, limit: 10 },
    'conversation:read': { conversationId, seq: 1 },
    typing: { conversationId, typing: true },
    'lead:update': { fullname: 'Vera Visitor', firstName: 'Vera', lastName: 'Visitor', email: 'vera@example.com', phone: '+1 555', attributes: { plan: 'pro' } },
    'conversation:start': { text: 'another question', attributes: { page: '/' } },
    'conversation:list': { status: 'assigned', limit: 10 },
    'conversation:rate': { conversationId, rating: 5, comment: 'great' },
    'presence:set': { status: 'online' },
    'conversation:join': { conversationId },
    'conversation:leave': { conversationId },
    'conversation:close': { conversationId },
    'conversation:reopen': { conversationId },
    'conversation:transfer': { conversationId, agentId: chat.agent.agent.id },
  };
}

describe('fuzz: socket commands', function () {
  this.timeout(300_000);
  let t: TestApp;
  let chat: Chat;
  let sockets: Record<Side, Socket>;
  const commands = declaredCommands();

  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: '0', RATE_LIMIT_HANDSHAKE: '0' });
    chat = await startChat(t);
    sockets = { visitor: chat.visitor.socket, agent: chat.agentSocket, owner: await t.connectAgent(chat.owner.token, chat.projectId) };
  });
  after(async () => {
    await t.close();
  });

  it('covers every command the namespaces register, and each has a template', () => {
    const serverSocket = (namespace: string, client: Socket) => t.app.io.of(namespace).sockets.get(client.id!);
    expect(registeredCommands(serverSocket('/visitor', sockets.visitor)).sort()).to.deep.equal([...commands.visitor].sort());
    expect(registeredCommands(serverSocket('/agent', sockets.agent)).sort()).to.deep.equal([...commands.agent].sort());
    const missing = [...commands.visitor, ...commands.agent].filter((c) => !Object.hasOwn(templates(chat), c));
    expect(missing, 'commands without a template').to.deep.equal([]);
  });

  it('answers every acked command once with a contract code, never INTERNAL; pollutes nothing; still chats', async () => {
    const before = prototypeSnapshot();
    const valid = templates(chat);
    const ackCounts = Object.fromEntries((Object.keys(sockets) as Side[]).map((side) => [side, countAckPackets(sockets[side])])) as Record<Side, Map<number, number>>;

    const unknownEvent = fc.oneof(
      fc.string({ maxLength: 30 }),
      junkString,
      fc.constantFrom('error', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'session', 'message:created', 'MESSAGE:SEND', 'message:send ', 'connection'),
    ).filter((name) => !CLIENT_RESERVED.has(name));
    const inputOf = (side: Side): fc.Arbitrary<SocketInput> => {
      const own = side === 'visitor' ? commands.visitor : commands.agent;
      const other = side === 'visitor' ? commands.agent : commands.visitor;
      const event = fc.oneof({ weight: 16, arbitrary: fc.constantFrom(...own) }, { weight: 1, arbitrary: fc.constantFrom(...other) }, { weight: 2, arbitrary: unknownEvent });
      return event.chain((name) => {
        // Own keys only: an event named "hasOwnProperty" must not find Object.prototype's function.
        const template = Object.hasOwn(valid, name) ? valid[name]! : {};
        const payload = fc.oneof({ weight: 12, arbitrary: mutated(template) }, { weight: 5, arbitrary: junkValue }, { weight: 1, arbitrary: fc.constant(template) }, { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_BOMBS) });
        const args = fc.oneof(
          { weight: 16, arbitrary: payload.map((p): unknown[] => [p]) },
          { weight: 1, arbitrary: fc.constant<unknown[]>([]) },
          { weight: 2, arbitrary: fc.tuple(payload, junkValue).map((pair): unknown[] => [...pair]) },
        );
        const withAck = fc.integer({ min: 0, max: 11 }).map((n) => n > 0);
        return fc.record({ side: fc.constant(side), event: fc.constant(name), args, withAck });
      });
    };
    const inputs = fc.sample(fc.oneof(inputOf('visitor'), inputOf('agent'), inputOf('owner')), { seed: FUZZ_SEED, numRuns: RUNS });

    const tally = { tried: 0, acked: 0, withoutAck: 0, heavy: 0, unsendable: 0, ok: 0, codes: {} as Record<string, number> };
    const failures: string[] = [];
    const fail = (what: string, input: SocketInput) => failures.push(`${what}: ${input.side} ${JSON.stringify(input.event)} ${describeInput(input.args)}`);

    const runOne = async (input: SocketInput) => {
      tally.tried++;
      if (!fitsOnTheWire(input.args, WIRE_BUDGET)) return runHeavy(input);
      const socket = sockets[input.side];
      if (!input.withAck) {
        tally.withoutAck++;
        try {
          socket.emit(input.event, ...input.args);
        } catch (err) {
          if (!(err instanceof RangeError)) throw err;
          tally.unsendable++;
        }
        return;
      }
      const { sent, answered, answer } = await emitWithAck(socket, input.event, input.args, ACK_TIMEOUT_MS);
      if (!sent) {
        tally.unsendable++;
        return;
      }
      tally.acked++;
      if (!answered) return fail('no answer', input);
      const verdict = verdictOf(answer);
      if (verdict.kind === 'malformed') return fail(`malformed answer ${describeInput(answer)}`, input);
      if (verdict.kind === 'ok') tally.ok++;
      else tally.codes[verdict.code] = (tally.codes[verdict.code] ?? 0) + 1;
      if (verdict.kind === 'code' && verdict.code === 'INTERNAL') fail('INTERNAL', input);
    };
    /** Too heavy for the shared sockets: a throwaway one, which may be closed for it (packet limit) or answer. */
    const runHeavy = async (input: SocketInput) => {
      tally.heavy++;
      const socket = input.side === 'visitor' ? (await t.connectVisitor(chat.projectId)).socket : await t.connectAgent(input.side === 'owner' ? chat.owner.token : chat.agent.token, chat.projectId);
      const closed = disconnectWithin(socket, ACK_TIMEOUT_MS);
      const answer = await Promise.race([emitWithAck(socket, input.event, input.args, ACK_TIMEOUT_MS), closed.then(() => null)]);
      if (answer?.answered && verdictOf(answer.answer).kind === 'malformed') fail(`malformed answer ${describeInput(answer.answer)}`, input);
      if (answer?.answered && (answer.answer as any)?.error?.code === 'INTERNAL') fail('INTERNAL', input);
      socket.disconnect();
    };

    const started = Date.now();
    for (let i = 0; i < inputs.length; i += IN_FLIGHT) await Promise.all(inputs.slice(i, i + IN_FLIGHT).map(runOne));
    const protocol = await sendProtocolGarbage(t, chat.projectId, ACK_TIMEOUT_MS);
    for (const side of Object.keys(sockets) as Side[]) expect(sockets[side].connected, side).to.equal(true);
    const handshakes = await tryJunkHandshakes(t, { projectId: chat.projectId, visitorToken: chat.visitor.session.token, agentToken: chat.agent.token });

    for (const side of Object.keys(sockets) as Side[]) {
      expect(sockets[side].connected, `${side} socket still connected`).to.equal(true);
      const twice = [...ackCounts[side].entries()].filter(([, n]) => n !== 1);
      expect(twice, `${side}: ack ids answered more than once`).to.deep.equal([]);
    }
    const answeredOnWire = Object.values(ackCounts).reduce((sum, counts) => sum + counts.size, 0);
    const internal = tally.codes.INTERNAL ?? 0;
    console.log(
      `      socket fuzz: seed ${FUZZ_SEED}, ${tally.tried} generated inputs tried in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${tally.acked} with an ack, ${tally.withoutAck} without, ${tally.heavy} too heavy for a shared socket, ${tally.unsendable} too deep for the client to encode), ` +
        `${protocol} protocol-garbage frames, ${handshakes} junk handshakes; answers: ok ${tally.ok}, ${JSON.stringify(tally.codes)}; ` +
        `ack packets ${answeredOnWire}; INTERNAL ${internal}`,
    );
    expect(failures.slice(0, 20), `${failures.length} failures`).to.deep.equal([]);
    expect(answeredOnWire).to.equal(tally.acked);
    expect(internal).to.equal(0);
    expect(pollutionSeen()).to.deep.equal([]);
    expect(prototypeSnapshot()).to.equal(before);
    await stillChats();
  });

  it('a 3 MB packet closes that socket only; the process and the other sockets carry on', async () => {
    const big = await t.connectVisitor(chat.projectId);
    const closed = disconnectWithin(big.socket, ACK_TIMEOUT_MS);
    big.socket.emit('message:send', { ...outgoing(chat.conversation.id, 'x'.repeat(3 * 1024 * 1024)) }, () => {});
    expect(await closed).to.be.oneOf(['transport close', 'transport error']);
    for (const side of Object.keys(sockets) as Side[]) expect(sockets[side].connected, side).to.equal(true);
    await stillChats();
  });

  /** A normal chat on a fresh project: start, join, send both ways, each side hears the other. */
  async function stillChats(): Promise<void> {
    const fresh = await startChat(t);
    const cid = fresh.conversation.id;
    const toAgent = waitFor(fresh.agentSocket, 'message:created', (m: any) => m.text === 'after the storm');
    await ok(fresh.visitor.socket, 'message:send', outgoing(cid, 'after the storm'));
    expect((await toAgent).conversationId).to.equal(cid);
    const toVisitor = waitFor(fresh.visitor.socket, 'message:created', (m: any) => m.text === 'all calm');
    await ok(fresh.agentSocket, 'message:send', outgoing(cid, 'all calm'));
    expect((await toVisitor).conversationId).to.equal(cid);
  }
});
