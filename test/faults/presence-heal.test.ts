/**
 * Presence that heals: a live agent never flaps offline, not under load and not through a Redis
 * restart (with its data kept, or lost); what changed while Redis was away is written back by
 * itself; several tabs are one presence, also when one tab's process dies, ending with the last.
 * (That a killed process's agents go offline within PRESENCE_TTL_SECONDS alone is proven in
 * test/ops/two-processes.test.ts; here it is the contrast to an agent with a surviving tab.)
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { ack, addAgent, collect, nextEvent, ok, ownerWithProject, sleep } from '../support/clients.js';
import { killAll, SocketPool, startServer, throwawayDatabase } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { startApp, type TestApp } from '../support/start-app.js';
import { usingPostgres, usingRedis } from '../support/test-config.js';
import { hasRedisServer, tcpGate, throwawayRedis } from '../support/throwaway-servers.js';
import { eventually, memberPresence, readiness } from './fault-fixtures.js';

/** The TTL every app and process of this file runs with (as test-config's default). */
const TTL_MS = 3_000;

type PresenceEvent = { agentId: string; status: string };
const offlines = (events: PresenceEvent[], agentIds: string[]) => events.filter((e) => e.status === 'offline' && agentIds.includes(e.agentId));

describe('presence that heals', function () {
  this.timeout(60_000);
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('a live agent never flaps offline while hundreds of messages flow (two apps when Redis is configured)', async () => {
    const [home, other] = [await startApp({ RATE_LIMIT_SOCKET: '0' }), usingRedis() ? await startApp({ RATE_LIMIT_SOCKET: '0' }) : null];
    apps.push(home, ...(other ? [other] : []));
    const elsewhere = other ?? home;
    const { owner, projectId } = await ownerWithProject(home.url);
    const agent = await addAgent(home.url, owner.token, projectId);
    const observer = await elsewhere.connectAgent(owner.token, projectId);
    const heard = collect<PresenceEvent>(observer, 'presence:changed');
    const agentSocket = await home.connectAgent(agent.token, projectId);
    await eventually(async () => (await memberPresence(elsewhere.url, owner.token, projectId, agent.agent.id)) === 'online', 'the agent online');
    const delivered = collect<any>(agentSocket, 'message:created');

    const visitors = 4;
    const perVisitor = 100;
    await Promise.all(
      Array.from({ length: visitors }, async (_, v) => {
        const visitor = await elsewhere.connectVisitor(projectId);
        const conversation = await ok(visitor.socket, 'conversation:start', { text: `visitor ${v}` });
        await ok(agentSocket, 'conversation:join', { conversationId: conversation.id });
        const sends = Array.from({ length: perVisitor }, (_, i) => ack(visitor.socket, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: `${v}/${i}` }, 30_000));
        for (const res of await Promise.all(sends)) expect(res.ok, JSON.stringify(res.error)).to.equal(true);
      }),
    );
    await eventually(async () => delivered.length >= visitors * perVisitor, 'every message delivered to the agent', 20_000);
    // A full TTL more: a sweep that wrongly found the agent's process dead would have happened by now.
    await sleep(TTL_MS + 500);
    console.log(`      under load: ${delivered.length} messages delivered, ${offlines(heard, [agent.agent.id]).length} offline events for the live agent`);
    expect(offlines(heard, [agent.agent.id])).to.deep.equal([]);
    expect(await memberPresence(elsewhere.url, owner.token, projectId, agent.agent.id)).to.equal('online');
  });

  if (hasRedisServer()) {
    it('through Redis restarts (data kept, then lost) nobody live flaps offline, and what changed meanwhile is written back', async () => {
      const redis = await throwawayRedis({ persistent: true });
      // The agents' app reaches Redis through a gate, so it can come back a little after the observer's.
      const gate = await tcpGate(redis.port);
      try {
        const observerApp = await startApp({ REDIS_URL: redis.url });
        const agentsApp = await startApp({ REDIS_URL: `redis://127.0.0.1:${gate.port}` });
        apps.push(observerApp, agentsApp);
        const { owner, projectId } = await ownerWithProject(observerApp.url);
        const [stays, leaves, arrives] = [await addAgent(observerApp.url, owner.token, projectId), await addAgent(observerApp.url, owner.token, projectId), await addAgent(observerApp.url, owner.token, projectId)];
        const observer = await observerApp.connectAgent(owner.token, projectId);
        const heard = collect<PresenceEvent>(observer, 'presence:changed');
        await agentsApp.connectAgent(stays.token, projectId);
        const leavingSocket = await agentsApp.connectAgent(leaves.token, projectId);
        const status = (agentId: string, url = observerApp.url) => memberPresence(url, owner.token, projectId, agentId);
        await eventually(async () => (await status(stays.agent.id)) === 'online' && (await status(leaves.agent.id)) === 'online', 'both agents online');

        // Down for longer than a process takes to be declared dead (4 beats = 2/3 of the TTL);
        // meanwhile one agent leaves and another comes.
        await redis.kill();
        await gate.shut();
        leavingSocket.disconnect();
        const arrivingSocket: Socket = await agentsApp.connectAgent(arrives.token, projectId);
        await sleep(TTL_MS);
        await redis.start();
        // The observer's app is back first: its heartbeat set still holds the agents' app's last,
        // old beat, which must not be taken for a death.
        await eventually(async () => (await readiness(observerApp.url)).status === 200, 'the observer app ready');
        await sleep(500);
        await gate.open();
        await eventually(async () => (await readiness(agentsApp.url)).status === 200, 'the agents app ready');
        await eventually(async () => (await status(leaves.agent.id)) === 'offline', 'the agent who left shown offline', 10_000);
        await eventually(async () => heard.some((e) => e.agentId === leaves.agent.id && e.status === 'offline'), 'presence:changed offline for the agent who left', 10_000);
        await eventually(async () => (await status(arrives.agent.id)) === 'online', 'the agent who came during the outage shown online', 10_000);
        await sleep(TTL_MS);

        // Restarted empty: every process writes its sockets back.
        await redis.kill();
        redis.wipe();
        await redis.start();
        await eventually(async () => (await status(stays.agent.id)) === 'online' && (await status(arrives.agent.id)) === 'online', 'presence written back after an empty restart', 10_000);
        await sleep(TTL_MS);

        const live = [stays.agent.id, arrives.agent.id, owner.agent.id];
        console.log(`      redis restarts: ${offlines(heard, live).length} offline events for live agents, ${heard.length} presence events in all`);
        expect(offlines(heard, live)).to.deep.equal([]);
        for (const id of live) expect(await status(id, agentsApp.url)).to.equal('online');

        const gone = nextEvent<PresenceEvent>(observer, 'presence:changed', (e) => e.agentId === arrives.agent.id && e.status === 'offline', 10_000);
        arrivingSocket.disconnect();
        await gone;
      } finally {
        for (const app of apps.splice(0)) await app.close();
        await gate.shut();
        await redis.remove();
      }
    });
  }

  if (usingPostgres() && hasRedisServer()) {
    it("tabs on two processes are one presence: a dead process's tab goes, the agent stays online, the last tab ends it", async () => {
      const redis = await throwawayRedis();
      const db = await throwawayDatabase();
      const servers: ServerProcess[] = [];
      const sockets = new SocketPool();
      try {
        const env = { REDIS_URL: redis.url, DATABASE_URL: db.url, PRESENCE_TTL_SECONDS: String(TTL_MS / 1000) };
        servers.push(...(await Promise.all([startServer(env), startServer(env), startServer(env)])));
        const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
        const { owner, projectId } = await ownerWithProject(a.url);
        const observer = await sockets.agent(a.url, owner.token, projectId);
        const heard = collect<PresenceEvent>(observer, 'presence:changed');
        const twoTabs = await addAgent(a.url, owner.token, projectId);
        const oneTab = await addAgent(a.url, owner.token, projectId);
        const survivingTab = await sockets.agent(b.url, twoTabs.token, projectId);
        await sockets.agent(c.url, twoTabs.token, projectId);
        await sockets.agent(c.url, oneTab.token, projectId);
        const online = (id: string) => heard.some((e) => e.agentId === id && e.status === 'online');
        await eventually(async () => online(twoTabs.agent.id) && online(oneTab.agent.id), 'both agents online');

        const oneTabOffline = nextEvent<PresenceEvent>(observer, 'presence:changed', (e) => e.agentId === oneTab.agent.id && e.status === 'offline', TTL_MS + 3_000);
        const killedAt = Date.now();
        await c.kill();
        await oneTabOffline;
        const sweptAfterMs = Date.now() - killedAt;
        await sleep(1_000);
        expect(offlines(heard, [twoTabs.agent.id])).to.deep.equal([]);
        expect(await memberPresence(a.url, owner.token, projectId, twoTabs.agent.id)).to.equal('online');

        // The dead tab was swept, not kept: closing the surviving one takes the agent offline at once.
        const lastTabGone = nextEvent<PresenceEvent>(observer, 'presence:changed', (e) => e.agentId === twoTabs.agent.id && e.status === 'offline', 5_000);
        survivingTab.disconnect();
        await lastTabGone;
        console.log(`      SIGKILL: the one-tab agent offline after ${sweptAfterMs} ms (TTL ${TTL_MS} ms); the two-tab agent stayed online until its last tab closed`);
        expect(await memberPresence(a.url, owner.token, projectId, twoTabs.agent.id)).to.equal('offline');
      } finally {
        sockets.closeAll();
        await killAll(servers);
        await db.drop();
        await redis.remove();
      }
    });
  }
});
