/**
 * Failover as a set check: two server processes on one PostgreSQL and one Redis; visitors
 * stream pipelined sends through process A while agents on process B receive them; A is
 * SIGKILLed mid-stream; the visitors move to B and retry every unacked send with its
 * clientMessageId; the agents catch up with afterSeq. Every send is then classified, in the
 * database and as the agents hold it, as ok / lost / duplicated / out of order; any of the
 * last three fails the test. Registered only with a real PostgreSQL and Redis (CI's first run).
 */
import { expect } from 'chai';
import { addAgent, ok, ownerWithProject } from '../support/clients.js';
import { killAll, queryAt, SocketPool, startServer, throwawayDatabase, until } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { usingPostgres, usingRedis } from '../support/test-config.js';
import { addTally, arrivalInversions, classify, emptyTally, formatTally, type Seen } from './classify.js';
import { ListeningAgent, StreamingVisitor, type Heard } from './failover-clients.js';

const VISITORS = 8;
const SENDS_PER_VISITOR = 50;
const WINDOW = 4;
/** A dies once this share of all sends is acked: mid-stream. */
const KILL_AFTER = 0.3;

if (usingPostgres() && usingRedis()) {
  describe('failover: SIGKILL a process mid-stream', function () {
    this.timeout(90_000);
    const sockets = new SocketPool();
    const servers: ServerProcess[] = [];
    const visitors: StreamingVisitor[] = [];
    let dropDatabase: () => Promise<void> = async () => {};
    after(async () => {
      for (const visitor of visitors) visitor.close();
      sockets.closeAll();
      await killAll(servers);
      await dropDatabase();
    });

    it('loses, duplicates and reorders no message, in the database and at the agents after catch-up', async () => {
      const db = await throwawayDatabase();
      dropDatabase = db.drop;
      const env = { DATABASE_URL: db.url, RATE_LIMIT_SOCKET: '0' };
      servers.push(...(await Promise.all([startServer(env), startServer(env)])));
      const [a, b] = servers as [ServerProcess, ServerProcess];

      const { owner, projectId } = await ownerWithProject(b.url);
      const agents = await Promise.all([0, 1].map(async () => new ListeningAgent(await sockets.agent(b.url, (await addAgent(b.url, owner.token, projectId)).token, projectId))));
      for (let v = 0; v < VISITORS; v++) visitors.push(await StreamingVisitor.open(a.url, projectId, `visitor ${v}`, SENDS_PER_VISITOR));
      // Each agent follows half the conversations; what it got from the join counts as heard.
      const followedBy = new Map<StreamingVisitor, { agent: ListeningAgent; joined: Heard[] }>();
      for (const [v, visitor] of visitors.entries()) {
        const agent = agents[v % agents.length]!;
        const { messages } = await ok(agent.socket, 'conversation:join', { conversationId: visitor.conversationId });
        followedBy.set(visitor, { agent, joined: messages });
      }

      let killedAt = 0;
      const total = VISITORS * SENDS_PER_VISITOR;
      const streams = Promise.all(visitors.map((visitor) => visitor.stream(WINDOW, () => b.url)));
      await until(() => visitors.reduce((n, v) => n + v.acked, 0) >= total * KILL_AFTER, 'the first sends to be acked', 30_000);
      const ackedBeforeKill = visitors.reduce((n, v) => n + v.acked, 0);
      killedAt = Date.now();
      await a.kill();
      await streams;

      let dbTally = emptyTally();
      let agentTally = emptyTally();
      let repeatedEvents = 0;
      let inversions = 0;
      let ackMismatches = 0;
      for (const visitor of visitors) {
        const rows = await queryAt<Seen>(
          db.url,
          'select id, seq, client_message_id as "clientMessageId", text from messages where conversation_id = $1 order by seq',
          [visitor.conversationId],
        );
        expect(rows.map((r) => r.seq), `${visitor.label}: seqs gap-free`).to.deep.equal(rows.map((_, i) => i + 1));
        expect(rows.length, `${visitor.label}: nothing but the opening message and its sends`).to.equal(SENDS_PER_VISITOR + 1);
        dbTally = addTally(dbTally, classify(visitor.sends, rows));
        const stored = new Map(rows.map((r) => [r.clientMessageId, r]));
        for (const send of visitor.sends) {
          // Every ack of a send, the first and any retry's, names the one stored message.
          for (const ack of send.acks) if (stored.get(send.clientMessageId)?.id !== ack.id || stored.get(send.clientMessageId)?.seq !== ack.seq) ackMismatches += 1;
        }

        const { agent, joined } = followedBy.get(visitor)!;
        const events = agent.events.filter((m) => m.conversationId === visitor.conversationId);
        repeatedEvents += events.length - new Set(events.map((m) => m.id)).size;
        inversions += arrivalInversions(events);
        const caughtUp = await agent.catchUp(visitor.conversationId, joined);
        const held = [...new Map([...joined, ...events, ...caughtUp].map((m) => [m.id, m])).values()].sort((x, y) => x.seq - y.seq);
        agentTally = addTally(agentTally, classify(visitor.sends, held));
      }

      const retried = visitors.flatMap((v) => v.sends.filter((s) => s.attempts > 1));
      const storedBeforeKill = retried.filter((s) => Date.parse(s.acks[0]!.createdAt) < killedAt).length;
      console.log(`      ${formatTally('database', dbTally)}`);
      console.log(`      ${formatTally('agents', agentTally)}`);
      console.log(
        `      failover: ${total} sends, ${ackedBeforeKill} acked before the kill, ${retried.length} retried (${storedBeforeKill} of them already stored by the dead process), ` +
          `${visitors.reduce((n, v) => n + v.failovers, 0)} failovers; agents saw ${inversions} message:created out of seq order (allowed; they order by seq)`,
      );
      expect(visitors.every((v) => v.acked === SENDS_PER_VISITOR), 'every send acked in the end').to.equal(true);
      expect(visitors.every((v) => v.failovers >= 1), 'every visitor had to fail over').to.equal(true);
      expect(dbTally.problems, 'database').to.deep.equal([]);
      expect(agentTally.problems, 'agents').to.deep.equal([]);
      expect(ackMismatches, 'acks that name another message than the stored one').to.equal(0);
      expect(repeatedEvents, 'message:created delivered twice').to.equal(0);
      expect(dbTally.ok).to.equal(total);
      expect(agentTally.ok).to.equal(total);
    });
  });
}
