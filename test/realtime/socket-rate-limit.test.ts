/** RATE_LIMIT_SOCKET: commands per socket per second, bursts up to twice that; past it RATE_LIMITED and the socket stays. */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, collect, ok, sleep } from '../support/clients.js';
import { outgoing, startChat, until } from '../support/chat-fixtures.js';

/** 5 commands a second: a full bucket holds 10. */
const RATE = 5;
const BURST = 2 * RATE;

interface Answer {
  ok: boolean;
  data: any;
  error: any;
}

/** Sends `count` commands at once (no waiting between them): their acks in send order, and how long they all took. */
async function burst(socket: Socket, count: number, event = 'conversation:list', payload: (i: number) => unknown = () => ({})) {
  const started = Date.now();
  const answers: Answer[] = await Promise.all(Array.from({ length: count }, (_, i) => ack(socket, event, payload(i))));
  return { answers, elapsedMs: Date.now() - started };
}

/** Long enough for the token the fixture's own command took (conversation:start, :join) to come back. */
const refilled = () => sleep(1000 / RATE + 100);

const isRefused = (answer: Answer) => !answer.ok && answer.error.code === 'RATE_LIMITED';

function expectRateLimited(answer: Answer): void {
  expect(isRefused(answer), JSON.stringify(answer)).to.equal(true);
  expect(answer.error.message).to.be.a('string').and.not.empty;
  // One token comes back every 1000/RATE ms.
  expect(answer.error.details.retryAfterMs).to.be.within(1, 1000 / RATE);
  expect(answer.error.details.retryAfterSeconds).to.equal(1);
}

/**
 * A burst on a full bucket: the first BURST commands pass; after them, only as many as the
 * bucket refilled while the burst was arriving (RATE a second; on a busy machine the packets
 * of one burst may reach the handlers over a few hundred ms); every other one is RATE_LIMITED.
 * Returns the indexes of the commands that passed.
 */
function expectBurstLimited({ answers, elapsedMs }: { answers: Answer[]; elapsedMs: number }): number[] {
  answers.slice(0, BURST).forEach((a, i) => expect(isRefused(a), `command #${i} is within the burst`).to.equal(false));
  answers.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').forEach(expectRateLimited);
  const passed = answers.flatMap((a, i) => (isRefused(a) ? [] : [i]));
  expect(passed.length).to.be.within(BURST, BURST + Math.ceil((RATE * elapsedMs) / 1000) + 1);
  expect(passed.length, 'some commands must be refused').to.be.below(answers.length);
  return passed;
}

describe('per-socket command limit (RATE_LIMIT_SOCKET=5)', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ RATE_LIMIT_SOCKET: String(RATE) });
  });
  after(async () => {
    await t.close();
  });

  it('a burst past twice the rate is answered RATE_LIMITED; the socket stays connected and works again after retryAfterMs', async () => {
    const chat = await startChat(t, { join: false });
    const visitor = chat.visitor.socket;
    await refilled();
    const sent = await burst(visitor, 40);
    expectBurstLimited(sent);
    expect(visitor.connected).to.equal(true);

    const wait = sent.answers.findLast(isRefused)!.error.details.retryAfterMs as number;
    await sleep(wait + 20);
    expect(await ok(visitor, 'conversation:list', {})).to.have.length(1);
  });

  it('a client keeping under the rate is never refused, even with an empty bucket', async function () {
    this.timeout(20_000);
    const chat = await startChat(t, { join: false });
    const visitor = chat.visitor.socket;
    await refilled();
    expectBurstLimited(await burst(visitor, 40));
    // Wait for each answer, then 250 ms: 4 commands a second against a refill of 5.
    await sleep(1000 / RATE);
    for (let i = 0; i < 10; i++) {
      const answer = await ack(visitor, 'conversation:list', {});
      expect(answer.ok, `command #${i}: ${JSON.stringify(answer)}`).to.equal(true);
      await sleep(250);
    }
  });

  it('unknown commands take tokens too; past the rate they are answered RATE_LIMITED instead of NOT_FOUND', async () => {
    const chat = await startChat(t, { join: false });
    const visitor = chat.visitor.socket;
    await refilled();
    const sent = await burst(visitor, 40, 'no:such-command');
    const passed = expectBurstLimited(sent);
    passed.forEach((i) => expect(sent.answers[i]!.error.code).to.equal('NOT_FOUND'));
    // One bucket per socket: a known command sent right after is refused too.
    const [next] = (await burst(visitor, 1)).answers;
    expectRateLimited(next!);
  });

  it('message:send past the rate is not stored; the sends that pass keep their order and reach the agent', async () => {
    const chat = await startChat(t);
    const visitor = chat.visitor.socket;
    await refilled();
    const heard = collect(chat.agentSocket, 'message:created');
    const sends = Array.from({ length: 40 }, (_, i) => outgoing(chat.conversation.id, `message ${i}`));
    const sent = await burst(visitor, sends.length, 'message:send', (i) => sends[i]);
    const passed = expectBurstLimited(sent);

    const stored = passed.map((i) => sent.answers[i]!.data);
    expect(stored.map((m) => m.text)).to.deep.equal(passed.map((i) => sends[i]!.text));
    // seq 1 is the opening text; the sends that passed follow in the order they were sent.
    expect(stored.map((m) => m.seq)).to.deep.equal(stored.map((_, i) => 2 + i));
    await until(() => heard.length >= stored.length, `${stored.length} message:created`);

    const history = await ok(chat.agentSocket, 'message:list', { conversationId: chat.conversation.id, limit: 200 });
    expect(history.map((m: any) => m.clientMessageId)).to.deep.equal([`start:${chat.conversation.id}`, ...passed.map((i) => sends[i]!.clientMessageId)]);
    await sleep(300);
    expect(heard.map((m) => m.seq)).to.deep.equal(stored.map((m) => m.seq));
  });

  it('each socket has its own bucket, agents included', async () => {
    const chat = await startChat(t);
    await refilled();
    expectBurstLimited(await burst(chat.agentSocket, 40));
    // The same agent's other tab, and the visitor, are not affected.
    const secondTab = await t.connectAgent(chat.agent.token, chat.projectId);
    expect((await burst(secondTab, BURST)).answers.every((a) => a.ok)).to.equal(true);
    expect((await ack(chat.visitor.socket, 'conversation:list', {})).ok).to.equal(true);
    expect(chat.agentSocket.connected).to.equal(true);
  });

  describe('at 0', () => {
    let off: TestApp;
    before(async () => {
      off = await startApp({ RATE_LIMIT_SOCKET: '0' });
    });
    after(async () => {
      await off.close();
    });

    it('there is no limit: 300 commands at once are all answered ok', async () => {
      const chat = await startChat(off, { join: false });
      const { answers } = await burst(chat.visitor.socket, 300);
      expect(answers.filter((a) => !a.ok)).to.deep.equal([]);
    });
  });
});
