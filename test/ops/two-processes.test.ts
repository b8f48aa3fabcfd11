/**
 * Several real server processes sharing one PostgreSQL and one Redis: a visitor on one process
 * chats with an agent on another, and presence follows agents across processes, including a
 * process that is stopped (SIGTERM) and one that dies (SIGKILL).
 *
 * This scenario only exists with a real PostgreSQL and Redis, so the suite is registered only
 * when DATABASE_URL is postgres://… and REDIS_URL is set (the CI's real run); in the embedded
 * mode (PGlite, presence in memory: one process only) it is not registered at all.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { ack, addAgent, api, collect, nextEvent, ok, ownerWithProject, type AgentAccount } from '../support/clients.js';
import { setRouting } from '../support/chat-fixtures.js';
import { killAll, SocketPool, startServer, until } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { usingPostgres, usingRedis } from '../support/test-config.js';

/** Every spawned process must agree on the TTL: it sets how soon survivors sweep a silent one. */
const PRESENCE = { PRESENCE_TTL_SECONDS: '3' };

if (usingPostgres() && usingRedis()) {
  describe('two server processes sharing PostgreSQL and Redis', function () {
    this.timeout(60_000);
    const sockets = new SocketPool();
    const servers: ServerProcess[] = [];
    let a: ServerProcess;
    let b: ServerProcess;
    let owner: AgentAccount;
    let projectId: string;

    const spawn = async () => {
      const server = await startServer(PRESENCE);
      servers.push(server);
      return server;
    };
    const presenceOf = async (agentId: string) => {
      const res = await api(a.url, 'GET', `/v1/projects/${projectId}/agents`, { token: owner.token });
      expect(res.status).to.equal(200);
      return res.body.data.find((m: any) => m.id === agentId)?.presence;
    };
    const presenceEvent = (observer: Socket, agentId: string, status: string, timeoutMs = 10_000) =>
      nextEvent(observer, 'presence:changed', (p: any) => p.agentId === agentId && p.status === status, timeoutMs);

    before(async () => {
      [a, b] = await Promise.all([spawn(), spawn()]);
      ({ owner, projectId } = await ownerWithProject(a.url));
      // These chats are assigned by the agents' own joins; automatic routing across processes
      // has its own test (test/conversations/routing-across-processes.test.ts).
      await setRouting(a, owner.token, projectId, 'pooled');
    });
    after(async () => {
      sockets.closeAll();
      await killAll(servers);
    });

    it('a visitor on A and an agent on B: created, assigned, and messages both ways, acked and delivered', async () => {
      const agent = await addAgent(a.url, owner.token, projectId);
      const agentSocket = await sockets.agent(b.url, agent.token, projectId);
      const visitor = await sockets.visitor(a.url, projectId);

      const created = nextEvent(agentSocket, 'conversation:created');
      const conversation = await ok(visitor.socket, 'conversation:start', { text: 'Hello from process A' });
      expect((await created).id).to.equal(conversation.id);

      const updated = nextEvent(visitor.socket, 'conversation:updated');
      const joined = await ok(agentSocket, 'conversation:join', { conversationId: conversation.id });
      expect(joined.conversation).to.include({ id: conversation.id, status: 'assigned', assigneeId: agent.agent.id });
      expect(joined.messages.map((m: any) => m.text)).to.deep.equal(['Hello from process A']);
      expect(await updated).to.include({ id: conversation.id, status: 'assigned', assigneeId: agent.agent.id });

      const toAgent = nextEvent(agentSocket, 'message:created');
      const fromVisitor = await ok(visitor.socket, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: 'Visitor on A' });
      expect(fromVisitor.seq).to.equal(2);
      expect(await toAgent).to.deep.equal(fromVisitor);

      const toVisitor = nextEvent(visitor.socket, 'message:created');
      const fromAgent = await ok(agentSocket, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: 'Agent on B' });
      expect(fromAgent).to.include({ seq: 3 });
      expect(fromAgent.sender).to.deep.equal({ type: 'agent', id: agent.agent.id });
      expect(await toVisitor).to.deep.equal(fromAgent);

      // Process B knows the lead is online although its visitor is connected to A.
      const lead = await api(b.url, 'GET', `/v1/projects/${projectId}/leads/${conversation.leadId}`, { token: owner.token });
      expect(lead.body).to.include({ id: conversation.leadId, online: true });
    });

    it('concurrent sends from both processes get gap-free seqs, in send order per side, and all are delivered', async () => {
      const agent = await addAgent(a.url, owner.token, projectId);
      const agentSocket = await sockets.agent(b.url, agent.token, projectId);
      const visitor = await sockets.visitor(a.url, projectId);
      const conversation = await ok(visitor.socket, 'conversation:start', { text: 'Start' });
      await ok(agentSocket, 'conversation:join', { conversationId: conversation.id });

      const atVisitor = collect<any>(visitor.socket, 'message:created');
      const atAgent = collect<any>(agentSocket, 'message:created');
      const burst = (socket: Socket, label: string) =>
        Array.from({ length: 10 }, (_, i) => ack(socket, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: `${label} ${i}` }));
      const [visitorAcks, agentAcks] = await Promise.all([Promise.all(burst(visitor.socket, 'visitor')), Promise.all(burst(agentSocket, 'agent'))]);

      for (const res of [...visitorAcks, ...agentAcks]) expect(res.ok, JSON.stringify(res.error)).to.equal(true);
      const visitorSeqs = visitorAcks.map((r) => r.data.seq);
      const agentSeqs = agentAcks.map((r) => r.data.seq);
      expect(visitorSeqs).to.deep.equal([...visitorSeqs].sort((x, y) => x - y));
      expect(agentSeqs).to.deep.equal([...agentSeqs].sort((x, y) => x - y));
      expect([...visitorSeqs, ...agentSeqs].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 2));

      // Each side hears exactly the other side's messages, across the process boundary.
      await until(() => atVisitor.length >= 10 && atAgent.length >= 10, 'message:created on both sides');
      expect(atVisitor.map((m) => m.id).sort()).to.deep.equal(agentAcks.map((r) => r.data.id).sort());
      expect(atAgent.map((m) => m.id).sort()).to.deep.equal(visitorAcks.map((r) => r.data.id).sort());

      const stored = await ok(visitor.socket, 'message:list', { conversationId: conversation.id, limit: 200 });
      expect(stored.map((m: any) => m.seq)).to.deep.equal(Array.from({ length: 21 }, (_, i) => i + 1));
    });

    it('presence crosses processes, and a process stopped with SIGTERM takes its agents offline', async () => {
      const observer = await sockets.agent(a.url, (await addAgent(a.url, owner.token, projectId)).token, projectId);
      const agent = await addAgent(a.url, owner.token, projectId);

      const online = presenceEvent(observer, agent.agent.id, 'online');
      await sockets.agent(b.url, agent.token, projectId);
      await online;
      expect(await presenceOf(agent.agent.id)).to.equal('online');

      const offline = presenceEvent(observer, agent.agent.id, 'offline');
      expect(await b.stop()).to.equal(0);
      // A process that says goodbye clears its agents before it exits, without waiting for the TTL sweep.
      expect(await presenceOf(agent.agent.id)).to.equal('offline');
      await offline;
    });

    it('a process killed with SIGKILL has its agents shown offline within PRESENCE_TTL_SECONDS', async () => {
      const c = await spawn();
      const observer = await sockets.agent(a.url, (await addAgent(a.url, owner.token, projectId)).token, projectId);
      const agent = await addAgent(a.url, owner.token, projectId);

      const online = presenceEvent(observer, agent.agent.id, 'online');
      await sockets.agent(c.url, agent.token, projectId);
      await online;

      const offline = presenceEvent(observer, agent.agent.id, 'offline', 6_000);
      await c.kill();
      await offline;
      expect(await presenceOf(agent.agent.id)).to.equal('offline');
    });
  });
}
