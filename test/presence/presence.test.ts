/** Presence in one app: online with the first tab, offline after the last, away on request, per project. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, addAgent, api, collect, nextEvent, ok, ownerWithProject, sleep } from '../support/clients.js';

describe('presence in one app', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const statusOf = async (token: string, projectId: string, agentId: string) => {
    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/agents`, { token });
    expect(res.status).to.equal(200);
    return res.body.data.find((m: any) => m.id === agentId)?.presence;
  };

  /** A project with an agent (not connected yet) and its owner watching; another project's owner listening too. */
  const observedAgent = async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId);
    const { owner: stranger, projectId: otherProject } = await ownerWithProject(t.url);
    const observer = await t.connectAgent(owner.token, projectId);
    const outsider = await t.connectAgent(stranger.token, otherProject);
    const outsiderHeard = collect<any>(outsider, 'presence:changed');
    return { owner, projectId, agent, id: agent.agent.id, observer, stranger, outsiderHeard };
  };

  it('first tab: online; more tabs: no news; last tab gone: offline; the member list agrees', async () => {
    const { owner, projectId, agent, id, observer, stranger, outsiderHeard } = await observedAgent();
    const heard = collect<any>(observer, 'presence:changed');
    const aboutAgent = () => heard.filter((e) => e.agentId === id);
    expect(await statusOf(owner.token, projectId, id)).to.equal('offline');

    const online = nextEvent(observer, 'presence:changed', (e: any) => e.agentId === id);
    const tab1 = await t.connectAgent(agent.token, projectId);
    expect(await online).to.deep.equal({ agentId: id, status: 'online' });
    expect(await statusOf(owner.token, projectId, id)).to.equal('online');

    const tab2 = await t.connectAgent(agent.token, projectId);
    await sleep(500);
    expect(aboutAgent()).to.have.length(1);

    tab1.disconnect();
    await sleep(500);
    expect(aboutAgent()).to.have.length(1);
    expect(await statusOf(owner.token, projectId, id)).to.equal('online');

    const offline = nextEvent(observer, 'presence:changed', (e: any) => e.agentId === id);
    tab2.disconnect();
    expect(await offline).to.deep.equal({ agentId: id, status: 'offline' });
    expect(await statusOf(owner.token, projectId, id)).to.equal('offline');
    expect(aboutAgent().map((e) => e.status)).to.deep.equal(['online', 'offline']);

    // Another project's agents heard nothing of ours.
    expect(outsiderHeard.filter((e) => e.agentId !== stranger.agent.id)).to.deep.equal([]);
  });

  it('presence:set away and back: acked, announced, and listed; away survives a new tab but not going offline', async () => {
    const { owner, projectId, agent, id, observer, stranger, outsiderHeard } = await observedAgent();
    const next = () => nextEvent<any>(observer, 'presence:changed', (e) => e.agentId === id);

    let change = next();
    const tab = await t.connectAgent(agent.token, projectId);
    expect((await change).status).to.equal('online');

    change = next();
    expect(await ack(tab, 'presence:set', { status: 'away' })).to.deep.equal({ ok: true, data: { status: 'away' } });
    expect(await change).to.deep.equal({ agentId: id, status: 'away' });
    expect(await statusOf(owner.token, projectId, id)).to.equal('away');

    // Saying away again is no news; neither is a new tab of an away agent.
    const heard = collect<any>(observer, 'presence:changed');
    expect(await ok(tab, 'presence:set', { status: 'away' })).to.deep.equal({ status: 'away' });
    const tab2 = await t.connectAgent(agent.token, projectId);
    await sleep(500);
    expect(heard.filter((e) => e.agentId === id)).to.deep.equal([]);
    expect(await statusOf(owner.token, projectId, id)).to.equal('away');

    change = next();
    expect(await ok(tab2, 'presence:set', { status: 'online' })).to.deep.equal({ status: 'online' });
    expect(await change).to.deep.equal({ agentId: id, status: 'online' });
    expect(await statusOf(owner.token, projectId, id)).to.equal('online');

    // Away, then every tab closes: offline; the next visit starts online again.
    change = next();
    await ok(tab, 'presence:set', { status: 'away' });
    expect((await change).status).to.equal('away');
    change = next();
    tab.disconnect();
    tab2.disconnect();
    expect(await change).to.deep.equal({ agentId: id, status: 'offline' });
    expect(await statusOf(owner.token, projectId, id)).to.equal('offline');
    change = next();
    await t.connectAgent(agent.token, projectId);
    expect(await change).to.deep.equal({ agentId: id, status: 'online' });
    expect(await statusOf(owner.token, projectId, id)).to.equal('online');

    expect(outsiderHeard.filter((e) => e.agentId !== stranger.agent.id)).to.deep.equal([]);
  });

  it('presence:set validates its payload', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const socket = await t.connectAgent(owner.token, projectId);
    for (const payload of [{ status: 'offline' }, { status: 'busy' }, {}]) {
      const res = await ack(socket, 'presence:set', payload);
      expect(res.ok).to.equal(false);
      expect(res.error.code).to.equal('VALIDATION_FAILED');
      expect(res.error.details[0].path).to.equal('status');
    }
  });
});
