/**
 * Order across processes: message:created may arrive out of seq order when senders sit on
 * different processes, so receivers order by seq and fetch gaps with afterSeq. This proves the
 * server gives them what that needs: seqs gap-free per conversation, in send order per socket,
 * and a catch-up that returns the missing messages in ascending order from any point.
 * With Redis, senders and receivers are spread over two apps; without, one app.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { ack, addAgent, ok, ownerWithProject } from '../support/clients.js';
import { startApp, type TestApp } from '../support/start-app.js';
import { usingRedis } from '../support/test-config.js';
import { arrivalInversions } from './classify.js';
import { eventually } from './fault-fixtures.js';
import { ListeningAgent, type Heard } from './failover-clients.js';

const PER_SENDER = 40;

describe('message order across processes', function () {
  this.timeout(60_000);
  const apps: TestApp[] = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  it('seqs are gap-free and in send order per socket; a receiver restores the order by seq and afterSeq', async () => {
    apps.push(await startApp({ RATE_LIMIT_SOCKET: '0' }));
    if (usingRedis()) apps.push(await startApp({ RATE_LIMIT_SOCKET: '0' }));
    const [one, two] = [apps[0]!, apps.at(-1)!];
    const { owner, projectId } = await ownerWithProject(one.url);
    const visitor = await one.connectVisitor(projectId);
    const conversation = await ok(visitor.socket, 'conversation:start', { text: 'opening' });
    const agentOnTwo = await two.connectAgent((await addAgent(one.url, owner.token, projectId)).token, projectId);
    const agentOnOne = await one.connectAgent((await addAgent(one.url, owner.token, projectId)).token, projectId);
    const receiver = new ListeningAgent(await two.connectAgent((await addAgent(one.url, owner.token, projectId)).token, projectId));
    for (const socket of [agentOnTwo, agentOnOne]) await ok(socket, 'conversation:join', { conversationId: conversation.id });
    const { messages: joined } = await ok(receiver.socket, 'conversation:join', { conversationId: conversation.id });

    // Three senders on two processes, each pipelining its sends.
    const burst = (socket: Socket, label: string) =>
      Promise.all(Array.from({ length: PER_SENDER }, (_, i) => ack(socket, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: `${label} ${i}` }, 30_000)));
    const bySender = await Promise.all([burst(visitor.socket, 'visitor'), burst(agentOnTwo, 'agent on two'), burst(agentOnOne, 'agent on one')]);
    const total = 1 + 3 * PER_SENDER;
    for (const acks of bySender) {
      for (const res of acks) expect(res.ok, JSON.stringify(res.error)).to.equal(true);
      const seqs = acks.map((r) => r.data.seq);
      expect(seqs, 'one socket: seqs in send order').to.deep.equal([...seqs].sort((x, y) => x - y));
    }
    const allSeqs = bySender.flat().map((r) => r.data.seq).sort((x, y) => x - y);
    expect(allSeqs, 'gap-free').to.deep.equal(Array.from({ length: total - 1 }, (_, i) => i + 2));

    await eventually(async () => receiver.events.length >= total - 1, 'every message:created at the receiver', 20_000);
    const inversions = arrivalInversions(receiver.events);

    // The receiver's way: keep what arrived by seq, catch up after the last gap-free seq.
    const missing = await receiver.catchUp(conversation.id, joined);
    const restored = [...new Map([...joined, ...receiver.events, ...missing].map((m) => [m.seq, m])).values()].sort((x, y) => x.seq - y.seq);
    const stored: Heard[] = [];
    for (let afterSeq = 0; ; ) {
      const page: Heard[] = await ok(visitor.socket, 'message:list', { conversationId: conversation.id, afterSeq, limit: 50 });
      if (page.length === 0) break;
      stored.push(...page);
      afterSeq = page.at(-1)!.seq;
    }
    expect(stored.map((m) => m.seq)).to.deep.equal(Array.from({ length: total }, (_, i) => i + 1));
    expect(restored.map((m) => m.id)).to.deep.equal(stored.map((m) => m.id));

    // A catch-up from any point returns exactly what follows it, ascending.
    for (const afterSeq of [0, 1, 17, 56, total - 1, total]) {
      const page: Heard[] = await ok(receiver.socket, 'message:list', { conversationId: conversation.id, afterSeq, limit: 200 });
      expect(page.map((m) => m.id)).to.deep.equal(stored.slice(afterSeq).map((m) => m.id));
    }
    console.log(`      order: ${total} messages from 3 senders on ${apps.length} app(s); the receiver saw ${inversions} message:created out of seq order and fetched ${missing.length}, restored by seq + afterSeq`);
  });
});
