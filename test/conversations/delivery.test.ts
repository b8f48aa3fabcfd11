/** Delivery guarantees: idempotent retries, gap-free seq in send order under concurrency, catch-up after a reconnect. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, collect, ok, sleep } from '../support/clients.js';
import { outgoing, QUIET_MS, startChat, until, waitFor } from '../support/chat-fixtures.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const isIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

describe('conversations: delivery guarantees', () => {
  let t: TestApp;
  before(async () => {
    // These tests fire bursts on purpose: keep the per-socket rate limit (not enforced yet) out of them.
    t = await startApp({ RATE_LIMIT_SOCKET: '0' });
  });
  after(async () => {
    await t.close();
  });

  describe('idempotent retries', () => {
    it('the same clientMessageId twice returns the original message once stored and once broadcast', async () => {
      const { conversation, visitor, agentSocket } = await startChat(t);
      const heard = collect(agentSocket, 'message:created');
      const payload = outgoing(conversation.id, 'Did my payment go through?');

      const first = await ok(visitor.socket, 'message:send', payload);
      const retry = await ok(visitor.socket, 'message:send', { ...payload, text: 'a retry with other text' });
      expect(retry).to.deep.equal(first);
      expect(first.text).to.equal('Did my payment go through?');

      await until(() => heard.length >= 1, 'the first message:created');
      await sleep(QUIET_MS);
      expect(heard.map((m) => m.id)).to.deep.equal([first.id]);
      const listed = await ok(agentSocket, 'message:list', { conversationId: conversation.id });
      expect(listed.map((m: any) => m.seq)).to.deep.equal([1, 2]);
      expect(listed.filter((m: any) => m.clientMessageId === payload.clientMessageId)).to.have.length(1);
    });

    it('two sends with one clientMessageId fired without waiting store one message', async () => {
      const { conversation, visitor, agentSocket } = await startChat(t);
      const heard = collect(visitor.socket, 'message:created');
      const payload = outgoing(conversation.id, 'Sent twice by a flaky network');

      const [a, b] = await Promise.all([ok(agentSocket, 'message:send', payload), ok(agentSocket, 'message:send', payload)]);
      expect(a.id).to.equal(b.id);
      expect(a.seq).to.equal(b.seq);

      await until(() => heard.length >= 1, 'message:created on the visitor');
      await sleep(QUIET_MS);
      expect(heard).to.have.length(1);
      const listed = await ok(visitor.socket, 'message:list', { conversationId: conversation.id });
      expect(listed.map((m: any) => m.seq)).to.deep.equal([1, 2]);
      expect(listed[1].id).to.equal(a.id);
    });

    it('two tabs of one visitor racing with one clientMessageId store one message', async () => {
      const { conversation, visitor, projectId, agentSocket } = await startChat(t);
      const tab2 = await t.connectVisitor(projectId, { token: visitor.session.token });
      const payload = outgoing(conversation.id, 'double click in two tabs');
      const [a, b] = await Promise.all([ok(visitor.socket, 'message:send', payload), ok(tab2.socket, 'message:send', payload)]);
      expect(b).to.deep.equal(a);
      const listed = await ok(agentSocket, 'message:list', { conversationId: conversation.id });
      expect(listed.map((m: any) => m.id)).to.deep.equal([listed[0].id, a.id]);
    });

    it('a retry that arrives after the conversation was closed still gets the original message', async () => {
      const { conversation, visitor, agentSocket } = await startChat(t);
      const payload = outgoing(conversation.id, 'sent just before closing');
      const original = await ok(visitor.socket, 'message:send', payload);
      await ok(agentSocket, 'conversation:close', { conversationId: conversation.id });
      expect(await ok(visitor.socket, 'message:send', payload)).to.deep.equal(original);
      const fresh = await ack(visitor.socket, 'message:send', outgoing(conversation.id, 'a new one'));
      expect(fresh.error?.code).to.equal('CONVERSATION_CLOSED');
    });

    it('the same clientMessageId in another conversation is another message', async () => {
      const { conversation, visitor } = await startChat(t);
      const second = await ok(visitor.socket, 'conversation:start', {});
      const payload = outgoing(conversation.id, 'same id, two conversations');
      const one = await ok(visitor.socket, 'message:send', payload);
      const two = await ok(visitor.socket, 'message:send', { ...payload, conversationId: second.id });
      expect(two.id).to.not.equal(one.id);
      expect([one.conversationId, one.seq, two.conversationId, two.seq]).to.deep.equal([conversation.id, 2, second.id, 1]);
    });
  });

  describe('seq under concurrency', () => {
    it('40 interleaved sends from both sides without awaiting: seq 1..40, each side in its send order', async () => {
      const { conversation, visitor, agentSocket } = await startChat(t, { text: null });
      const toAgent = collect(agentSocket, 'message:created');
      const toVisitor = collect(visitor.socket, 'message:created');
      const fromVisitor: Promise<any>[] = [];
      const fromAgent: Promise<any>[] = [];
      for (let i = 0; i < 20; i++) {
        fromVisitor.push(ok(visitor.socket, 'message:send', outgoing(conversation.id, `visitor ${i}`)));
        fromAgent.push(ok(agentSocket, 'message:send', outgoing(conversation.id, `agent ${i}`)));
      }
      const visitorAcks = await Promise.all(fromVisitor);
      const agentAcks = await Promise.all(fromAgent);

      const seqs = [...visitorAcks, ...agentAcks].map((m) => m.seq).sort((a, b) => a - b);
      expect(seqs).to.deep.equal(range(1, 40));
      expect(isIncreasing(visitorAcks.map((m) => m.seq)), 'visitor seqs in send order').to.equal(true);
      expect(isIncreasing(agentAcks.map((m) => m.seq)), 'agent seqs in send order').to.equal(true);
      expect(visitorAcks.map((m) => m.text)).to.deep.equal(range(0, 19).map((i) => `visitor ${i}`));

      const listed = await ok(agentSocket, 'message:list', { conversationId: conversation.id, limit: 200 });
      expect(listed.map((m: any) => m.seq)).to.deep.equal(range(1, 40));
      const ackedById = new Map([...visitorAcks, ...agentAcks].map((m) => [m.id, m]));
      for (const m of listed) expect(ackedById.get(m.id), `listed seq ${m.seq}`).to.deep.equal(m);

      // Each side hears exactly the other side's 20 messages.
      await until(() => toAgent.length >= 20 && toVisitor.length >= 20, 'both sides to hear 20 messages');
      await sleep(QUIET_MS);
      expect(toAgent.map((m) => m.id).sort()).to.deep.equal(visitorAcks.map((m) => m.id).sort());
      expect(toVisitor.map((m) => m.id).sort()).to.deep.equal(agentAcks.map((m) => m.id).sort());
      const conv = await ok(agentSocket, 'conversation:list', {});
      expect(conv.find((c: any) => c.id === conversation.id).lastSeq).to.equal(40);
    });

    it('one socket pipelining 40 sends keeps its send order', async () => {
      const { conversation, visitor, agentSocket } = await startChat(t);
      const texts = range(1, 40).map((i) => `line ${i}`);
      const acks = await Promise.all(texts.map((text) => ok(visitor.socket, 'message:send', outgoing(conversation.id, text))));
      expect(acks.map((m) => m.seq)).to.deep.equal(range(2, 41));
      const listed = await ok(agentSocket, 'message:list', { conversationId: conversation.id, afterSeq: 1, limit: 200 });
      expect(listed.map((m: any) => m.text)).to.deep.equal(texts);
    });
  });

  describe('catch-up and paging', () => {
    it('after a reconnect, message:list afterSeq returns exactly the missed messages in order', async () => {
      const { conversation, visitor, agentSocket, projectId } = await startChat(t);
      const lastSeen = (await ok(visitor.socket, 'message:send', outgoing(conversation.id, 'brb'))).seq;
      visitor.socket.disconnect();

      const missed = [];
      for (const text of ['Are you still there?', 'I found your order.', 'It ships tomorrow.']) {
        missed.push(await ok(agentSocket, 'message:send', outgoing(conversation.id, text)));
      }

      const back = await t.connectVisitor(projectId, { token: visitor.session.token });
      expect(back.session.visitorId).to.equal(visitor.session.visitorId);
      const caughtUp = await ok(back.socket, 'message:list', { conversationId: conversation.id, afterSeq: lastSeen });
      expect(caughtUp).to.deep.equal(missed);
      expect(caughtUp.map((m: any) => m.seq)).to.deep.equal([lastSeen + 1, lastSeen + 2, lastSeen + 3]);

      // And the reconnected socket hears new messages live again.
      const live = waitFor(back.socket, 'message:created');
      const next = await ok(agentSocket, 'message:send', outgoing(conversation.id, 'welcome back'));
      expect((await live).id).to.equal(next.id);
    });

    it('pages with afterSeq, beforeSeq and limit; the default is the latest 50; limit over 200 is refused', async () => {
      const { conversation, visitor, agentSocket } = await startChat(t, { text: null });
      await Promise.all(range(1, 60).map((i) => ok(visitor.socket, 'message:send', outgoing(conversation.id, `m${i}`))));
      const seqsOf = async (socket: typeof agentSocket, query: object) =>
        (await ok(socket, 'message:list', { conversationId: conversation.id, ...query })).map((m: any) => m.seq);

      for (const socket of [visitor.socket, agentSocket]) {
        expect(await seqsOf(socket, {})).to.deep.equal(range(11, 60));
        expect(await seqsOf(socket, { limit: 200 })).to.deep.equal(range(1, 60));
        expect(await seqsOf(socket, { limit: 3 })).to.deep.equal([58, 59, 60]);
        expect(await seqsOf(socket, { afterSeq: 0, limit: 3 })).to.deep.equal([1, 2, 3]);
        expect(await seqsOf(socket, { afterSeq: 5 })).to.deep.equal(range(6, 55));
        expect(await seqsOf(socket, { afterSeq: 57 })).to.deep.equal([58, 59, 60]);
        expect(await seqsOf(socket, { afterSeq: 60 })).to.deep.equal([]);
        expect(await seqsOf(socket, { beforeSeq: 11, limit: 5 })).to.deep.equal([6, 7, 8, 9, 10]);
        expect(await seqsOf(socket, { beforeSeq: 4 })).to.deep.equal([1, 2, 3]);
        expect(await seqsOf(socket, { beforeSeq: 61 })).to.deep.equal(range(11, 60));

        const tooMany = await ack(socket, 'message:list', { conversationId: conversation.id, limit: 201 });
        expect(tooMany.ok).to.equal(false);
        expect(tooMany.error.code).to.equal('VALIDATION_FAILED');
        expect(tooMany.error.details.map((d: any) => d.path)).to.deep.equal(['limit']);
        for (const bad of [{ limit: 0 }, { afterSeq: -1 }, { beforeSeq: 'x' }]) {
          const res = await ack(socket, 'message:list', { conversationId: conversation.id, ...bad });
          expect(res.error?.code, JSON.stringify(bad)).to.equal('VALIDATION_FAILED');
          expect(res.error.details.map((d: any) => d.path)).to.deep.equal(Object.keys(bad));
        }
      }
    });
  });
});
