/** A receiver that is down while 200 messages are sent gets all of them once it is back: once per event id, in each conversation's order. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ok } from '../support/clients.js';
import { startChat, waitFor } from '../support/chat-fixtures.js';
import { eventually, Receiver, WEBHOOK_TEST_ENV } from './receiver.js';

describe('webhook receiver outage', () => {
  let t: TestApp;
  let receiver: Receiver;

  before(async () => {
    t = await startApp({ ...WEBHOOK_TEST_ENV, RATE_LIMIT_SOCKET: '0' });
    receiver = await new Receiver().start();
  });
  after(async () => {
    await t.close();
    await receiver.stop();
  });

  it('delivers all 200 messages exactly once per event id, in per-conversation order, after the receiver comes back', async function () {
    this.timeout(120_000);
    const chat = await startChat(t);
    const visitor = await t.connectVisitor(chat.projectId);
    const created = waitFor(chat.agentSocket, 'conversation:created');
    const second = await ok(visitor.socket, 'conversation:start', {});
    await created;
    await ok(chat.agentSocket, 'conversation:join', { conversationId: second.id });
    const conversations = [chat.conversation.id as string, second.id as string];

    const hook = await api(t.url, 'POST', `/v1/projects/${chat.projectId}/webhooks`, { token: chat.owner.token, body: { url: receiver.url, events: ['message.created'] } });
    expect(hook.status).to.equal(201);
    await receiver.stop();

    // 200 messages, 100 per conversation, sent 20 at a time so that they share group commits.
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const n = round * 20 + i;
          const conversationId = conversations[n % 2]!;
          return ok(chat.agentSocket, 'message:send', { conversationId, clientMessageId: `m-${n}`, text: `message ${n}` });
        }),
      );
    }
    // Down for a while: attempts fail and back off.
    await eventually(async () => {
      const row = await t.deps.db.knex('webhook_deliveries').where({ webhook_id: hook.body.id }).max('attempts as n').first();
      return Number(row?.n ?? 0) >= 2;
    }, 'failed attempts while the receiver is down');
    expect(receiver.requests).to.have.length(0);

    await receiver.start();
    await eventually(() => new Set(receiver.delivered.map((r) => r.body.id)).size >= 200, `200 deliveries (have ${receiver.delivered.length})`, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const ids = receiver.delivered.map((r) => r.body.id);
    expect(ids).to.have.length(200);
    expect(new Set(ids).size).to.equal(200);
    for (const conversationId of conversations) {
      const seqs = receiver.delivered.filter((r) => r.body.data.conversationId === conversationId).map((r) => r.body.data.seq as number);
      expect(seqs).to.have.length(100);
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    }
    expect(new Set(receiver.delivered.map((r) => r.body.data.text)).size).to.equal(200);
  });
});
