/** POST and GET /v1/projects/:id/agents: the Member shape, existing accounts, roles, presence and open conversations. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, nextEvent, ok, ownerWithProject, signup, uniqueEmail } from '../support/clients.js';
import { detailPaths, expectError, MEMBER_KEYS, visitorConversation } from '../support/rest-fixtures.js';

const PASSWORD = 'correct horse battery';

describe('REST members', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const members = async (token: string, projectId: string) => {
    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/agents`, { token });
    expect(res.status).to.equal(200);
    expect(res.body).to.have.all.keys('data');
    return res.body.data as any[];
  };

  it('POST …/agents creates an account and answers 201 with the Member shape; it can log in and see the project', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const email = uniqueEmail('new');
    const res = await api(t.url, 'POST', `/v1/projects/${projectId}/agents`, { token: owner.token, body: { email, fullname: 'Nina New', password: PASSWORD, role: 'agent' } });
    expect(res.status).to.equal(201);
    expect(res.body).to.have.all.keys(...MEMBER_KEYS);
    expect(res.body).to.include({ email, fullname: 'Nina New', role: 'agent', presence: 'offline', maxConcurrent: null, openConversations: 0 });
    expect(JSON.stringify(res.body)).to.not.match(/password|hash|argon/i);

    const login = await api(t.url, 'POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(login.status).to.equal(200);
    expect(login.body.agent.id).to.equal(res.body.id);
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: login.body.token })).status).to.equal(200);
  });

  it('adds an existing account as it is: same agent id, its own name and password stay, no second account', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const existing = await signup(t.url, 'Ernest Existing');
    const res = await api(t.url, 'POST', `/v1/projects/${projectId}/agents`, {
      token: owner.token,
      body: { email: existing.email.toUpperCase(), fullname: 'Somebody Else', password: 'a different password', role: 'admin' },
    });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ id: existing.agent.id, email: existing.email, fullname: 'Ernest Existing', role: 'admin' });

    const oldPassword = await api(t.url, 'POST', '/v1/auth/login', { body: { email: existing.email, password: existing.password } });
    expect(oldPassword.status).to.equal(200);
    expect(oldPassword.body.agent.id).to.equal(existing.agent.id);
    expectError(await api(t.url, 'POST', '/v1/auth/login', { body: { email: existing.email, password: 'a different password' } }), 401, 'UNAUTHENTICATED');

    const list = await members(owner.token, projectId);
    expect(list.map((m) => m.id)).to.deep.equal([owner.agent.id, existing.agent.id]);
    // The account's old token now reaches the project too.
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: existing.token })).status).to.equal(200);
  });

  it('already a member is 409 CONFLICT, the owner included, and nothing changes', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const again = await api(t.url, 'POST', `/v1/projects/${projectId}/agents`, { token: owner.token, body: { email: agent.email, fullname: 'x', password: PASSWORD, role: 'admin' } });
    expectError(again, 409, 'CONFLICT');
    const self = await api(t.url, 'POST', `/v1/projects/${projectId}/agents`, { token: owner.token, body: { email: owner.email, fullname: 'x', password: PASSWORD, role: 'agent' } });
    expectError(self, 409, 'CONFLICT');
    const list = await members(owner.token, projectId);
    expect(list.map((m) => [m.id, m.role])).to.deep.equal([[owner.agent.id, 'owner'], [agent.agent.id, 'agent']]);
  });

  it('only owners and admins add members: an agent gets 403, an admin may, a stranger gets 403', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const body = () => ({ email: uniqueEmail('x'), fullname: 'X', password: PASSWORD, role: 'agent' });
    expectError(await api(t.url, 'POST', `/v1/projects/${projectId}/agents`, { token: agent.token, body: body() }), 403, 'FORBIDDEN');
    const admin = await addAgent(t.url, owner.token, projectId, 'admin');
    expect((await api(t.url, 'POST', `/v1/projects/${projectId}/agents`, { token: admin.token, body: body() })).status).to.equal(201);
    const stranger = await signup(t.url);
    expectError(await api(t.url, 'POST', `/v1/projects/${projectId}/agents`, { token: stranger.token, body: body() }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/agents`, { token: stranger.token }), 403, 'FORBIDDEN');
    expect(await members(owner.token, projectId)).to.have.length(4);
  });

  it('a bad role, a short password or a bad email is 400 naming the field', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const add = (body: object) => api(t.url, 'POST', `/v1/projects/${projectId}/agents`, { token: owner.token, body });
    expect(detailPaths(await add({ email: uniqueEmail(), fullname: 'R', password: PASSWORD, role: 'superuser' }))).to.deep.equal(['role']);
    expect(detailPaths(await add({ email: uniqueEmail(), fullname: 'R', password: PASSWORD, role: 'owner' }))).to.deep.equal(['role']);
    expect(detailPaths(await add({ email: uniqueEmail(), fullname: 'R', password: PASSWORD }))).to.deep.equal(['role']);
    expect(detailPaths(await add({ email: uniqueEmail(), fullname: 'R', password: 'short', role: 'agent' }))).to.deep.equal(['password']);
    expect(detailPaths(await add({ email: 'nope', fullname: 'R', password: PASSWORD, role: 'agent' }))).to.deep.equal(['email']);
    expect(await members(owner.token, projectId)).to.have.length(1);
  });

  it('GET …/agents shows presence: offline, online while a socket is connected, away on request, offline again after', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const presenceOf = async (agentId: string) => (await members(agent.token, projectId)).find((m) => m.id === agentId)?.presence;
    expect(await presenceOf(agent.agent.id)).to.equal('offline');

    // The owner's console watches; its own presence:changed says its socket counts as online.
    const watcher = t.rawSocket('/agent', { token: owner.token, projectId });
    await nextEvent(watcher, 'presence:changed', (p: any) => p.agentId === owner.agent.id && p.status === 'online', 15_000);
    const online = nextEvent(watcher, 'presence:changed', (p: any) => p.agentId === agent.agent.id && p.status === 'online', 15_000);
    const socket = await t.connectAgent(agent.token, projectId);
    await online;
    expect(await presenceOf(agent.agent.id)).to.equal('online');
    expect(await presenceOf(owner.agent.id)).to.equal('online');

    const away = nextEvent(watcher, 'presence:changed', (p: any) => p.agentId === agent.agent.id && p.status === 'away', 15_000);
    expect(await ok(socket, 'presence:set', { status: 'away' })).to.deep.equal({ status: 'away' });
    await away;
    const list = await members(owner.token, projectId);
    for (const m of list) expect(m).to.have.all.keys(...MEMBER_KEYS);
    expect(list.map((m) => [m.id, m.presence])).to.deep.equal([[owner.agent.id, 'online'], [agent.agent.id, 'away']]);

    const offline = nextEvent(watcher, 'presence:changed', (p: any) => p.agentId === agent.agent.id && p.status === 'offline', 15_000);
    socket.disconnect();
    await offline;
    expect(await presenceOf(agent.agent.id)).to.equal('offline');
  });

  it('openConversations counts the conversations assigned to each member', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const { conversation } = await visitorConversation(t, projectId);
    const open = async () => new Map((await members(owner.token, projectId)).map((m) => [m.id, m.openConversations]));
    expect(await open()).to.deep.equal(new Map([[owner.agent.id, 0], [agent.agent.id, 0]]));

    const socket = await t.connectAgent(agent.token, projectId);
    const joined = await ok(socket, 'conversation:join', { conversationId: conversation.id });
    expect(joined.conversation).to.include({ status: 'assigned', assigneeId: agent.agent.id });
    expect(await open()).to.deep.equal(new Map([[owner.agent.id, 0], [agent.agent.id, 1]]));

    // A closed conversation is no longer open.
    await ok(socket, 'conversation:close', { conversationId: conversation.id });
    expect(await open()).to.deep.equal(new Map([[owner.agent.id, 0], [agent.agent.id, 0]]));
  });
});
