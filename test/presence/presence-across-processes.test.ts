/** Presence across processes sharing Redis: two app instances, and a process that dies without goodbye. */
import { expect } from 'chai';
import { io, type Socket } from 'socket.io-client';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, collect, nextEvent, ok, ownerWithProject, sleep } from '../support/clients.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { usingPostgres, usingRedis } from '../support/test-config.js';
import { accepted } from '../support/tokens.js';

const statusOn = async (url: string, token: string, projectId: string, agentId: string) => {
  const res = await api(url, 'GET', `/v1/projects/${projectId}/agents`, { token });
  expect(res.status).to.equal(200);
  return res.body.data.find((m: any) => m.id === agentId)?.presence;
};

if (usingRedis()) {
  describe('presence across processes (Redis)', () => {
    let t1: TestApp;
    let t2: TestApp;
    before(async () => {
      t1 = await startApp();
      t2 = await startApp();
    });
    after(async () => {
      await t1.close();
      await t2.close();
    });

    it('an agent on app 1 is seen online, away and offline by an agent and the member list on app 2', async () => {
      const { owner, projectId } = await ownerWithProject(t1.url);
      const x = await addAgent(t1.url, owner.token, projectId);
      const id = x.agent.id;
      const observer = await t2.connectAgent(owner.token, projectId);
      const next = () => nextEvent<any>(observer, 'presence:changed', (e) => e.agentId === id, 10_000);

      let change = next();
      const tab = await t1.connectAgent(x.token, projectId);
      expect(await change).to.deep.equal({ agentId: id, status: 'online' });
      expect(await statusOn(t2.url, owner.token, projectId, id)).to.equal('online');

      change = next();
      await ok(tab, 'presence:set', { status: 'away' });
      expect(await change).to.deep.equal({ agentId: id, status: 'away' });
      expect(await statusOn(t2.url, owner.token, projectId, id)).to.equal('away');
      change = next();
      await ok(tab, 'presence:set', { status: 'online' });
      expect(await change).to.deep.equal({ agentId: id, status: 'online' });

      change = next();
      tab.disconnect();
      expect(await change).to.deep.equal({ agentId: id, status: 'offline' });
      expect(await statusOn(t2.url, owner.token, projectId, id)).to.equal('offline');
      expect(await statusOn(t1.url, owner.token, projectId, id)).to.equal('offline');
    });

    it('tabs on two processes count together: closing one keeps the agent online', async () => {
      const { owner, projectId } = await ownerWithProject(t1.url);
      const x = await addAgent(t1.url, owner.token, projectId);
      const id = x.agent.id;
      const observer = await t2.connectAgent(owner.token, projectId);
      const heard = collect<any>(observer, 'presence:changed');

      const online = nextEvent<any>(observer, 'presence:changed', (e) => e.agentId === id, 10_000);
      const tab1 = await t1.connectAgent(x.token, projectId);
      expect((await online).status).to.equal('online');
      const tab2 = await t2.connectAgent(x.token, projectId);
      await sleep(500);
      tab1.disconnect();
      await sleep(800);
      expect(heard.filter((e) => e.agentId === id).map((e) => e.status)).to.deep.equal(['online']);
      expect(await statusOn(t1.url, owner.token, projectId, id)).to.equal('online');
      expect(await statusOn(t2.url, owner.token, projectId, id)).to.equal('online');

      const offline = nextEvent<any>(observer, 'presence:changed', (e) => e.agentId === id, 10_000);
      tab2.disconnect();
      expect((await offline).status).to.equal('offline');
      expect(await statusOn(t1.url, owner.token, projectId, id)).to.equal('offline');
    });

    // The child process must share the database with the test apps: only on a PostgreSQL server.
    if (usingPostgres()) {
      describe('a process that dies without goodbye', () => {
        let child: ServerProcess | null = null;
        let xSocket: Socket | null = null;
        after(async () => {
          xSocket?.disconnect();
          if (child && child.child.exitCode === null && child.child.signalCode === null) await child.kill();
        });

        it('has its agents shown offline within PRESENCE_TTL_SECONDS', async function () {
          this.timeout(90_000);
          const { owner, projectId } = await ownerWithProject(t1.url);
          const x = await addAgent(t1.url, owner.token, projectId);
          const id = x.agent.id;
          child = await spawnServer({ PORT: '0', PRESENCE_TTL_SECONDS: '3', LOG_LEVEL: 'info' });
          const observer = await t2.connectAgent(owner.token, projectId);

          const online = nextEvent<any>(observer, 'presence:changed', (e) => e.agentId === id, 10_000);
          xSocket = io(`${child.url}/agent`, { auth: { token: x.token, projectId }, transports: ['websocket'], forceNew: true, reconnection: false });
          await accepted(xSocket);
          expect(await online).to.deep.equal({ agentId: id, status: 'online' });
          expect(await statusOn(t2.url, owner.token, projectId, id)).to.equal('online');

          const offline = nextEvent<any>(observer, 'presence:changed', (e) => e.agentId === id, 10_000);
          const killedAt = Date.now();
          await child.kill();
          expect(await offline).to.deep.equal({ agentId: id, status: 'offline' });
          // Within the TTL (3 s), with a little room for a loaded machine.
          expect(Date.now() - killedAt).to.be.below(5_000);
          expect(await statusOn(t2.url, owner.token, projectId, id)).to.equal('offline');
          expect(await statusOn(t1.url, owner.token, projectId, id)).to.equal('offline');
        });
      });
    }
  });
}
