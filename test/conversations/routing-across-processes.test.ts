/**
 * Routing with two real server processes on one PostgreSQL and one Redis: 50 conversations
 * started at once against both, two agents of capacity 5 (one on each process). The database
 * decides: exactly 10 assigned, 5 each, none twice, 40 waiting with their places in creation
 * order; a close hands the oldest waiting one on; a process killed with SIGKILL loses its
 * agent's conversations to the queue after the grace period, and they are routed again.
 *
 * Registered only with DATABASE_URL=postgres://… and REDIS_URL (the CI's real run), as
 * test/ops/two-processes.test.ts: in the embedded mode presence lives in one process.
 */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { addAgent, api, ok, ownerWithProject, sleep, untilPresence, type AgentAccount } from '../support/clients.js';
import { killAll, SocketPool, startServer, until } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { usingPostgres, usingRedis } from '../support/test-config.js';
import { record } from '../support/routing-fixtures.js';

/** Small presence TTL and grace period so that a killed process's agent loses its conversations within seconds. */
const GRACE_SECONDS = 2;
const ENV = { PRESENCE_TTL_SECONDS: '3', ROUTING_GRACE_SECONDS: String(GRACE_SECONDS), RATE_LIMIT_SOCKET: '0', RATE_LIMIT_HANDSHAKE: '0' };
const VISITORS = 50;
const CAPACITY = 5;
const SETTLE_MS = 30_000;

if (usingPostgres() && usingRedis()) {
  describe('routing across two server processes', function () {
    this.timeout(180_000);
    const sockets = new SocketPool();
    const servers: ServerProcess[] = [];
    let a: ServerProcess;
    let b: ServerProcess;

    before(async () => {
      [a, b] = await Promise.all([startServer(ENV), startServer(ENV)]);
      servers.push(a, b);
    });
    after(async () => {
      sockets.closeAll();
      await killAll(servers);
    });

    it('50 at once: 10 assigned within capacity, none twice, 40 queued in order; a close takes the head; SIGKILL re-routes after the grace period', async () => {
      const { owner, projectId } = await ownerWithProject(b.url);
      const rest = (method: string, path: string, body?: unknown) => api(b.url, method, `/v1/projects/${projectId}${path}`, { token: owner.token, body });
      const members = async () => (await rest('GET', '/agents')).body.data as any[];
      const memberOf = async (id: string) => (await members()).find((m) => m.id === id);
      const conversations = async (query: string) => (await rest('GET', `/conversations?limit=100${query}`)).body.data as any[];
      /** Waiting conversations, head of the queue first (the API lists newest first). */
      const queue = async () => (await conversations('&status=unassigned')).reverse();

      const agentOn = async (server: ServerProcess): Promise<{ account: AgentAccount; id: string; socket: Socket }> => {
        const account = await addAgent(b.url, owner.token, projectId, 'agent');
        expect((await rest('PATCH', `/agents/${account.agent.id}`, { maxConcurrent: CAPACITY })).status).to.equal(200);
        const socket = await sockets.agent(server.url, account.token, projectId);
        return { account, id: account.agent.id, socket };
      };
      const one = await agentOn(a);
      const two = await agentOn(b);
      for (const agent of [one, two]) await untilPresence(b.url, owner.token, projectId, agent.id, 'online');

      // Half the visitors on each process, all connected first, then 50 starts at once.
      const visitors = await Promise.all(Array.from({ length: VISITORS }, (_, i) => sockets.visitor(i % 2 ? b.url : a.url, projectId)));
      const seen = visitors.map((v) => record(v.socket));
      const acks = await Promise.all(visitors.map((v, i) => ok(v.socket, 'conversation:start', { text: `visitor ${i}` })));
      const ids = acks.map((c) => c.id as string);
      const seenOf = new Map(ids.map((id, i) => [id, seen[i]!]));

      await until(() => ids.filter((id) => seenOf.get(id)!.assignments(id).length > 0).length === 2 * CAPACITY, '10 assignments heard', SETTLE_MS);
      let waiting = await queue();
      const inOrder = async (what: string) => {
        waiting = await queue();
        await until(() => waiting.every((c, i) => seenOf.get(c.id)!.lastPlace(c.id) === i + 1), what, SETTLE_MS);
        await sleep(500);
        expect(waiting.map((c) => seenOf.get(c.id)!.lastPlace(c.id)), `${what}, and still after a pause`).to.deep.equal(waiting.map((_, i) => i + 1));
      };
      await inOrder('40 places in creation order');
      expect(waiting).to.have.length(VISITORS - 2 * CAPACITY);

      const assigned = await conversations('&status=assigned');
      expect(assigned).to.have.length(2 * CAPACITY);
      const countOf = (agentId: string) => assigned.filter((c) => c.assigneeId === agentId).length;
      expect([countOf(one.id), countOf(two.id)], 'none over capacity').to.deep.equal([CAPACITY, CAPACITY]);
      expect([(await memberOf(one.id)).openConversations, (await memberOf(two.id)).openConversations]).to.deep.equal([CAPACITY, CAPACITY]);
      // None assigned twice: each visitor heard exactly one assignment of its conversation, to the agent the database has.
      for (const id of ids) {
        const heard = seenOf.get(id)!.assignments(id);
        const stored = assigned.find((c) => c.id === id);
        expect(heard.map((c) => c.assigneeId), id).to.deep.equal(stored ? [stored.assigneeId] : []);
      }

      // A close on process A: the head of the queue goes to that agent, everyone behind moves up.
      const head = waiting[0]!;
      const closing = assigned.find((c) => c.assigneeId === one.id)!;
      await ok(one.socket, 'conversation:close', { conversationId: closing.id });
      await until(() => seenOf.get(head.id)!.assignments(head.id).length === 1, 'the head of the queue assigned', SETTLE_MS);
      expect(seenOf.get(head.id)!.assignments(head.id)[0].assigneeId).to.equal(one.id);
      await inOrder('39 places, each one up');
      expect(waiting.map((c) => c.id)).to.deep.equal((await queue()).map((c) => c.id));
      expect((await memberOf(one.id)).openConversations).to.equal(CAPACITY);

      // Process A dies with agent one's socket: its conversations stay through the grace period, then return to the queue.
      const ones = (await conversations(`&status=assigned&assigneeId=${one.id}`)).map((c) => c.id as string);
      expect(ones).to.have.length(CAPACITY);
      const killedAt = Date.now();
      await a.kill();
      const requeueDeadline = Date.now() + SETTLE_MS;
      while ((await memberOf(one.id)).openConversations > 0) {
        if (Date.now() > requeueDeadline) throw new Error("agent one's conversations never returned to the queue");
        await sleep(100);
      }
      expect(Date.now() - killedAt, 'not before the grace period').to.be.at.least(GRACE_SECONDS * 1000);
      expect((await memberOf(one.id)).presence).to.equal('offline');
      const requeued = await queue();
      expect(requeued.map((c) => c.id)).to.include.members(ones);
      // 39 that waited, and agent one's 5.
      expect(requeued).to.have.length(VISITORS - 2 * CAPACITY - 1 + CAPACITY);
      // The visitors still connected (those on B) heard it go back, and their new places.
      for (const id of ones.filter((id) => ids.indexOf(id) % 2 === 1)) {
        await until(() => seenOf.get(id)!.updates(id).at(-1)?.status === 'unassigned', `${id} heard it is waiting again`, SETTLE_MS);
      }
      const onB = requeued.map((c, i) => ({ id: c.id as string, place: i + 1 })).filter(({ id }) => ids.indexOf(id) % 2 === 1);
      await until(() => onB.every(({ id, place }) => seenOf.get(id)!.lastPlace(id) === place), 'places after the requeue', SETTLE_MS);

      // Routed again: with more room, agent two takes the oldest waiting ones, its former conversations among them if they are older.
      const nextFive = requeued.slice(0, CAPACITY).map((c) => c.id as string);
      expect((await rest('PATCH', `/agents/${two.id}`, { maxConcurrent: 2 * CAPACITY })).body).to.include({ maxConcurrent: 2 * CAPACITY });
      const untilDeadline = Date.now() + SETTLE_MS;
      while ((await memberOf(two.id)).openConversations < 2 * CAPACITY) {
        if (Date.now() > untilDeadline) throw new Error('agent two never took the waiting conversations');
        await sleep(100);
      }
      const twos = (await conversations(`&status=assigned&assigneeId=${two.id}`)).map((c) => c.id as string);
      expect(twos).to.include.members(nextFive);
      expect(await queue()).to.have.length(VISITORS - 2 * CAPACITY - 1);
    });
  });
}
