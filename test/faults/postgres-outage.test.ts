/**
 * PostgreSQL goes away mid-chat (a polite `pg_ctl stop -m fast`, then a crash with `-m
 * immediate` while sends are in flight): every send is answered UNAVAILABLE within the bound
 * (never INTERNAL, never left hanging), the process stays up, /readyz says 503; once PostgreSQL
 * is back the very same sends (same clientMessageIds) succeed, and the database holds every
 * acked message exactly once, in seq order without gaps.
 *
 * It runs against a PostgreSQL server of its own (test/support/throwaway-postgres.ts) so that
 * stopping it disturbs nothing else. Registered only in the run where DATABASE_URL is
 * postgres://… (CI's first run); there a missing initdb fails the suite instead of skipping it.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { ack, api, ok, ownerWithProject } from '../support/clients.js';
import { killAll, queryAt, SocketPool, startServer } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { usingPostgres } from '../support/test-config.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';
import { ACK_BOUND_MS, serverErrors, waitReady, withinBound, type Sent } from './outage-checks.js';

if (usingPostgres()) {
  describe('PostgreSQL outage (a throwaway server stopped and crashed mid-chat)', function () {
    this.timeout(180_000);
    const sockets = new SocketPool();
    const servers: ServerProcess[] = [];
    let pg: ThrowawayPostgres;
    let server: ServerProcess;
    let projectId: string;
    let ownerToken: string;

    /** Sends once and classifies the answer; anything but OK or UNAVAILABLE, or no answer in time, fails. */
    const send = async (socket: Socket, conversationId: string, clientMessageId: string, text: string): Promise<Sent> => {
      const started = Date.now();
      const res = await ack(socket, 'message:send', { conversationId, clientMessageId, text }, ACK_BOUND_MS).catch(() => null);
      const ms = Date.now() - started;
      expect(res, `no ack for ${clientMessageId} within ${ACK_BOUND_MS} ms`).to.not.equal(null);
      if (res!.ok) return { clientMessageId, text, result: 'acked', ms };
      expect(res!.error?.code, JSON.stringify(res!.error)).to.equal('UNAVAILABLE');
      return { clientMessageId, text, result: 'unavailable', ms };
    };
    const readyz = () => api(server.url, 'GET', '/readyz');
    const storedTexts = async (conversationId: string) =>
      queryAt<{ seq: number; text: string; client_message_id: string }>(
        pg.url(),
        'select seq, text, client_message_id from messages where conversation_id = $1 order by seq',
        [conversationId],
      );
    /** Every acked message stored exactly once, seq 1..n without gaps. */
    const expectStoredOnce = async (conversationId: string, acked: string[]) => {
      const rows = await storedTexts(conversationId);
      expect(rows.map((r) => r.seq)).to.deep.equal(rows.map((_, i) => i + 1));
      const ids = rows.map((r) => r.client_message_id);
      expect(new Set(ids).size, 'duplicated clientMessageIds').to.equal(ids.length);
      const missing = acked.filter((id) => !ids.includes(id));
      expect(missing, 'acked but not stored').to.deep.equal([]);
      return rows;
    };
    const visitorConversation = async () => {
      const visitor = await sockets.visitor(server.url, projectId);
      const conversation = await ok(visitor.socket, 'conversation:start', { text: 'Hello before the outage' });
      return { socket: visitor.socket, conversationId: conversation.id as string };
    };

    before(async () => {
      pg = await startThrowawayPostgres();
      // The stream and its retries go faster than the per-socket command limit allows.
      server = await startServer({ DATABASE_URL: pg.url(), RATE_LIMIT_SOCKET: '0' });
      servers.push(server);
      const { owner, projectId: id } = await ownerWithProject(server.url);
      projectId = id;
      ownerToken = owner.token;
    });
    after(async () => {
      sockets.closeAll();
      await killAll(servers);
      pg?.destroy();
    });
    afterEach(function () {
      // A failed test may leave it stopped; the next one starts from a running server.
      if (!pg.isRunning()) pg.start();
      if (this.currentTest?.state === 'failed') console.log(`--- server errors\n${serverErrors(server.output())}\n--- postgres log\n${pg.log().slice(-2000)}`);
    });

    it('stopped: sends answer UNAVAILABLE within the bound, /readyz is 503; restarted: the same sends succeed and nothing acked is missing', async () => {
      const { socket, conversationId } = await visitorConversation();
      const before: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = randomUUID();
        expect((await send(socket, conversationId, id, `before ${i}`)).result).to.equal('acked');
        before.push(id);
      }

      pg.stop('fast');
      const during = Array.from({ length: 5 }, (_, i) => ({ id: randomUUID(), text: `during ${i}` }));
      const answers: Sent[] = [];
      for (const m of during) answers.push(await send(socket, conversationId, m.id, m.text));
      // Pipelined too: the group commit answers a whole batch.
      answers.push(...(await Promise.all(during.map((m) => send(socket, conversationId, m.id, m.text)))));
      expect(answers.map((a) => a.result)).to.deep.equal(answers.map(() => 'unavailable'));
      const ready = await withinBound(readyz(), '/readyz');
      expect(ready.status).to.equal(503);
      expect(ready.body.checks.database).to.equal('down');
      const rest = await api(server.url, 'GET', `/v1/projects/${projectId}/conversations/${conversationId}/messages`, { token: ownerToken });
      expect(rest.status, JSON.stringify(rest.body)).to.equal(503);
      expect(rest.body.error.code).to.equal('UNAVAILABLE');
      expect((await api(server.url, 'GET', '/healthz')).status).to.equal(200);
      expect(server.child.exitCode, 'the server process died').to.equal(null);
      console.log(`      PostgreSQL stopped: ${answers.length} sends answered UNAVAILABLE, slowest in ${Math.max(...answers.map((a) => a.ms))} ms (bound ${ACK_BOUND_MS} ms)`);

      pg.start();
      await waitReady(readyz);
      const retried: string[] = [];
      for (const m of during) {
        expect((await send(socket, conversationId, m.id, m.text)).result, `retry of ${m.text}`).to.equal('acked');
        retried.push(m.id);
      }
      const rows = await expectStoredOnce(conversationId, [...before, ...retried]);
      expect(rows.map((r) => r.text)).to.deep.equal([
        'Hello before the outage',
        ...before.map((_, i) => `before ${i}`),
        ...during.map((m) => m.text),
      ]);
    });

    it('frozen (SIGSTOP: connections stay open, nothing answers): sends answer UNAVAILABLE within the bound; thawed: the same sends succeed', async () => {
      const { socket, conversationId } = await visitorConversation();
      const before: string[] = [];
      for (let i = 0; i < 3; i++) {
        const id = randomUUID();
        expect((await send(socket, conversationId, id, `before ${i}`)).result).to.equal('acked');
        before.push(id);
      }

      pg.freeze();
      let answers: Sent[];
      try {
        const during = Array.from({ length: 8 }, (_, i) => ({ id: randomUUID(), text: `frozen ${i}` }));
        // A pipelined burst (the first batch hangs on the frozen server, the rest queue behind it), then one more alone.
        answers = await Promise.all(during.slice(0, 7).map((m) => send(socket, conversationId, m.id, m.text)));
        answers.push(await send(socket, conversationId, during[7]!.id, during[7]!.text));
        expect(answers.map((a) => a.result)).to.deep.equal(answers.map(() => 'unavailable'));
        const ready = await withinBound(readyz(), '/readyz');
        expect(ready.status).to.equal(503);
        expect(server.child.exitCode, 'the server process died').to.equal(null);
      } finally {
        pg.thaw();
      }
      console.log(`      PostgreSQL frozen: ${answers.length} sends answered UNAVAILABLE, slowest in ${Math.max(...answers.map((a) => a.ms))} ms (bound ${ACK_BOUND_MS} ms)`);

      await waitReady(readyz);
      for (const a of answers) expect((await send(socket, conversationId, a.clientMessageId, a.text)).result, `retry of ${a.text}`).to.equal('acked');
      const rows = await expectStoredOnce(conversationId, [...before, ...answers.map((a) => a.clientMessageId)]);
      expect(rows).to.have.length(1 + before.length + answers.length);
    });

    it('crashed (-m immediate) under a stream of sends: every send is answered OK or UNAVAILABLE, retries fill the gaps, no acked message is lost or doubled', async () => {
      const { socket, conversationId } = await visitorConversation();
      const streamed = Array.from({ length: 60 }, (_, i) => ({ id: randomUUID(), text: `stream ${i}` }));
      const answers: Sent[] = [];
      let crashed = false;
      for (const [i, m] of streamed.entries()) {
        if (i === 20) {
          // Half a batch in flight when the server dies.
          const inFlight = streamed.slice(20, 30).map((n) => send(socket, conversationId, n.id, n.text));
          pg.stop('immediate');
          crashed = true;
          answers.push(...(await Promise.all(inFlight)));
        }
        if (i >= 20 && i < 30) continue;
        answers.push(await send(socket, conversationId, m.id, m.text));
      }
      expect(crashed).to.equal(true);
      const unavailable = answers.filter((a) => a.result === 'unavailable');
      expect(unavailable.length, 'sends after the crash must fail').to.be.at.least(30);
      expect((await readyz()).status).to.equal(503);
      expect(server.child.exitCode, 'the server process died').to.equal(null);

      pg.start();
      await waitReady(readyz);
      // The client's part: resend every unanswered or UNAVAILABLE message with its clientMessageId.
      for (const a of unavailable) expect((await send(socket, conversationId, a.clientMessageId, a.text)).result).to.equal('acked');
      const acked = answers.map((a) => a.clientMessageId);
      const rows = await expectStoredOnce(conversationId, acked);
      expect(rows.length).to.equal(1 + streamed.length);
      console.log(
        `      PostgreSQL crashed: ${answers.length - unavailable.length} acked before, ${unavailable.length} UNAVAILABLE (slowest ${Math.max(...unavailable.map((a) => a.ms))} ms), all ${streamed.length} stored once after retries`,
      );
    });
  });
}
