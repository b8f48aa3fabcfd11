/**
 * Graceful shutdown with sends in flight: SIGTERM a real server process while a visitor has
 * pipelined sends outstanding. It exits 0 within 10 s; every stored message was acked before
 * the socket closed, and every send it refused (UNAVAILABLE) or never answered is not stored;
 * with PostgreSQL + Redis the agent it held is offline at once for an observer on another
 * process. The embedded default runs it on a data folder of its own, read after the exit.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import pg from 'pg';
import { openDatabase } from '../../src/db/connect.js';
import { addAgent, collect, ok, ownerWithProject, sleep } from '../support/clients.js';
import { killAll, queryAt, SocketPool, startServer, tempDataDir, throwawayDatabase } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { usingPostgres } from '../support/test-config.js';
import { hasRedisServer, throwawayRedis } from '../support/throwaway-servers.js';
import { eventually, memberPresence } from './fault-fixtures.js';

type Outcome = { kind: 'acked'; clientMessageId: string } | { kind: 'refused'; clientMessageId: string } | { kind: 'unanswered'; clientMessageId: string };

/** Sends without waiting; each settles as acked, refused (UNAVAILABLE) or unanswered (the socket closed first). Any other answer fails. */
function pipelined(socket: Socket, conversationId: string, count: number, label: string): Promise<Outcome>[] {
  return Array.from({ length: count }, (_, i) => {
    const clientMessageId = randomUUID();
    return new Promise<Outcome>((resolve, reject) => {
      const closed = () => resolve({ kind: 'unanswered', clientMessageId });
      socket.once('disconnect', closed);
      socket.emit('message:send', { conversationId, clientMessageId, text: `${label} ${i}` }, (res: any) => {
        socket.off('disconnect', closed);
        if (res.ok) resolve({ kind: 'acked', clientMessageId });
        else if (res.error.code === 'UNAVAILABLE') resolve({ kind: 'refused', clientMessageId });
        else reject(new Error(`unexpected answer ${JSON.stringify(res)}`));
      });
    });
  });
}

/** Holds a conversation's row lock (as a long transaction would) until released. */
async function holdConversationLock(url: string, conversationId: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query('select 1 from conversations where id = $1 for update', [conversationId]);
  return {
    /** Resolves once another session waits for this lock. */
    untilWaitedOn: () =>
      eventually(async () => {
        const { rows } = await client.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
        return rows[0].n > 0;
      }, 'the group commit to wait for the lock', 10_000, 50),
    async release() {
      await client.query('commit');
      await client.end();
    },
  };
}

describe('graceful shutdown (SIGTERM) with sends in flight', function () {
  this.timeout(60_000);
  const sockets = new SocketPool();
  const servers: ServerProcess[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    sockets.closeAll();
    await killAll(servers.splice(0));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('acks every stored send before closing, stores nothing it refused, exits 0 within 10 s, and (with Redis) the agent is offline at once', async () => {
    const twoProcesses = usingPostgres() && hasRedisServer();
    let env: Record<string, string | undefined>;
    let storedIds: (conversationId: string) => Promise<string[]>;
    let dbUrl: string | null = null;
    if (twoProcesses) {
      const [db, redis] = [await throwawayDatabase(), await throwawayRedis()];
      cleanups.push(db.drop, redis.remove);
      dbUrl = db.url;
      // A TTL far longer than the test: only the process's own goodbye can show the agent offline in time.
      env = { DATABASE_URL: db.url, REDIS_URL: redis.url, PRESENCE_TTL_SECONDS: '120', RATE_LIMIT_SOCKET: '0' };
      storedIds = async (id) => (await queryAt<{ client_message_id: string }>(db.url, 'select client_message_id from messages where conversation_id = $1', [id])).map((r) => r.client_message_id);
    } else {
      const data = tempDataDir('shutdown');
      cleanups.push(data.remove);
      env = { DATABASE_URL: undefined, REDIS_URL: undefined, DATA_DIR: data.dir, RATE_LIMIT_SOCKET: '0' };
      storedIds = async (id) => {
        // Read the data folder the process left behind: what is there was committed.
        const db = openDatabase({ kind: 'pglite', dataDir: path.join(data.dir, 'pgdata') });
        try {
          return (await db.knex('messages').where({ conversation_id: id }).select('client_message_id')).map((r: { client_message_id: string }) => r.client_message_id);
        } finally {
          await db.close();
        }
      };
    }
    const victim = await startServer(env);
    servers.push(victim);
    const survivor = twoProcesses ? await startServer(env) : null;
    if (survivor) servers.push(survivor);

    const { owner, projectId } = await ownerWithProject(victim.url);
    const agent = await addAgent(victim.url, owner.token, projectId);
    const agentSocket = await sockets.agent(victim.url, agent.token, projectId);
    const observer = survivor ? await sockets.agent(survivor.url, owner.token, projectId) : null;
    const heard = observer ? collect<{ agentId: string; status: string }>(observer, 'presence:changed') : [];
    const visitor = await sockets.visitor(victim.url, projectId);
    const conversation = await ok(visitor.socket, 'conversation:start', { text: 'Before the shutdown' });
    await ok(agentSocket, 'conversation:join', { conversationId: conversation.id });

    let sends: Promise<Outcome>[];
    let exitCode: number | null;
    let signalledAt = Date.now();
    if (dbUrl) {
      // Deterministic in flight: the test holds the conversation's row lock, so the group commit
      // waits for it; SIGTERM comes while 50 sends are admitted and waiting, and only then the
      // lock goes. (The defect: the sockets closed at once, the flush stored all 50, none acked.)
      const lock = await holdConversationLock(dbUrl, conversation.id);
      sends = pipelined(visitor.socket, conversation.id, 50, 'in flight');
      // The server reads a socket's commands in order: once a read sent after the 50 has
      // answered (reads do not wait for the row lock), all 50 arrived before the signal.
      await ok(visitor.socket, 'message:list', { conversationId: conversation.id });
      await lock.untilWaitedOn();
      signalledAt = Date.now();
      const exited = victim.stop();
      // Sends that arrive once the shutdown began are refused, not run: UNAVAILABLE, never stored.
      await eventually(async () => victim.output().includes('"msg":"shutting down"'), 'the shutdown to begin', 5_000, 20);
      const late = pipelined(visitor.socket, conversation.id, 10, 'after SIGTERM');
      await Promise.all(late);
      sends.push(...late);
      await sleep(300);
      await lock.release();
      exitCode = await exited;
    } else {
      // No lock to hold from outside an embedded database: the signal races the sends (a
      // weaker check; the PostgreSQL run is the one that pins the defect down).
      sends = pipelined(visitor.socket, conversation.id, 50, 'in flight');
      signalledAt = Date.now();
      exitCode = await victim.stop();
    }
    const exitedAfterMs = Date.now() - signalledAt;
    const outcomes = await Promise.all(sends);

    const ids = (kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind).map((o) => o.clientMessageId);
    const stored = (await storedIds(conversation.id)).filter((id) => !id.startsWith('start:'));
    console.log(`      SIGTERM: exit ${exitCode} after ${exitedAfterMs} ms; of ${outcomes.length} sends ${ids('acked').length} acked, ${ids('refused').length} refused UNAVAILABLE, ${ids('unanswered').length} unanswered; ${stored.length} stored`);
    expect(exitCode, victim.output()).to.equal(0);
    expect(exitedAfterMs).to.be.below(10_000);
    expect(ids('acked').length).to.be.greaterThan(0);
    if (dbUrl) expect(ids('refused').length, 'sends after SIGTERM refused').to.equal(10);
    expect([...stored].sort(), 'stored = acked').to.deep.equal(ids('acked').sort());

    if (survivor) {
      // Goodbye, not the TTL sweep (120 s): the observer heard it as the process exited.
      await eventually(async () => heard.some((e) => e.agentId === agent.agent.id && e.status === 'offline'), 'presence:changed offline from the goodbye', 2_000);
      expect(await memberPresence(survivor.url, owner.token, projectId, agent.agent.id)).to.equal('offline');
    }
  });
});
