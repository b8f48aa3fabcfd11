/** DELETE /v1/projects/:projectId/agents/:agentId: who may remove whom, the last owner, and what a removal closes and requeues. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, collect, ok, ownerWithProject } from '../support/clients.js';
import { connectMember, EVENT_TIMEOUT_MS, waitFor } from '../support/chat-fixtures.js';
import { expectError } from '../support/rest-fixtures.js';
import { usingRedis } from '../support/test-config.js';
import { refusal } from '../support/tokens.js';

const remove = (t: TestApp, token: string, projectId: string, agentId: string) => api(t.url, 'DELETE', `/v1/projects/${projectId}/agents/${agentId}`, { token });

/** Resolves with the reason once the socket is disconnected. */
function disconnected(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('still connected')), EVENT_TIMEOUT_MS);
    socket.once('disconnect', (reason: string) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** Conversations wait in the queue until someone joins: what a removal requeues stays there for the test to see. */
const pooled = async (t: TestApp, token: string, projectId: string) => {
  expect((await api(t.url, 'PATCH', `/v1/projects/${projectId}`, { token, body: { routing: 'pooled' } })).status).to.equal(200);
};

/** A pooled project where a plain agent (connected) joined, so is assigned, a visitor's conversation. */
async function pooledChat(t: TestApp) {
  const { owner, projectId } = await ownerWithProject(t.url);
  await pooled(t, owner.token, projectId);
  const agent = await addAgent(t.url, owner.token, projectId, 'agent');
  const agentSocket = await t.connectAgent(agent.token, projectId);
  const visitor = await t.connectVisitor(projectId);
  const started = await ok(visitor.socket, 'conversation:start', { text: 'Hello' });
  const { conversation } = await ok(agentSocket, 'conversation:join', { conversationId: started.id });
  expect(conversation).to.include({ status: 'assigned', assigneeId: agent.agent.id });
  return { owner, projectId, agent, agentSocket, visitor, conversation };
}

const memberIds = async (t: TestApp, token: string, projectId: string) =>
  ((await api(t.url, 'GET', `/v1/projects/${projectId}/agents`, { token })).body.data as any[]).map((m) => m.id);

/** Makes an existing member an owner (no route changes roles yet). */
const makeOwner = (t: TestApp, projectId: string, agentId: string) =>
  t.deps.db.knex('project_members').where({ project_id: projectId, agent_id: agentId }).update({ role: 'owner' });

describe('REST remove a member', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('204: its sockets of the project close (both tabs), its open conversation goes back to the queue, a closed one loses its assignee, and it is locked out', async () => {
    const chat = await pooledChat(t);
    const { projectId, owner, agent } = chat;
    const secondTab = await t.connectAgent(agent.token, projectId);
    const ownerSocket = await t.connectAgent(owner.token, projectId);
    // A second conversation it handled and closed.
    const other = await t.connectVisitor(projectId);
    const closed = await ok(other.socket, 'conversation:start', { text: 'second' });
    await ok(chat.agentSocket, 'conversation:join', { conversationId: closed.id });
    await ok(chat.agentSocket, 'conversation:close', { conversationId: closed.id });

    const closings = [chat.agentSocket, secondTab].map(disconnected);
    // Events of the join and the close may still be on their way: wait for the ones without an assignee.
    const requeued = [ownerSocket, chat.visitor.socket].map((s) => waitFor(s, 'conversation:updated', (c) => c.id === chat.conversation.id && c.assigneeId === null));
    const cleared = waitFor(ownerSocket, 'conversation:updated', (c) => c.id === closed.id && c.assigneeId === null);
    const offline = waitFor(ownerSocket, 'presence:changed', (p) => p.agentId === agent.agent.id && p.status === 'offline');

    const res = await remove(t, owner.token, projectId, agent.agent.id);
    expect(res.status).to.equal(204);
    expect(res.body).to.equal('');

    expect(await Promise.all(closings)).to.deep.equal(['io server disconnect', 'io server disconnect']);
    for (const update of await Promise.all(requeued)) expect(update).to.include({ status: 'unassigned', assigneeId: null });
    expect(await cleared).to.include({ status: 'closed', assigneeId: null });
    await offline;
    expect(ownerSocket.connected).to.equal(true);

    const stored = await api(t.url, 'GET', `/v1/projects/${projectId}/conversations/${chat.conversation.id}`, { token: owner.token });
    expect(stored.body).to.include({ status: 'unassigned', assigneeId: null });
    expect(await memberIds(t, owner.token, projectId)).to.deep.equal([owner.agent.id]);
    // Reopening the closed one puts it in the queue, not back with the removed agent.
    expect(await ok(ownerSocket, 'conversation:reopen', { conversationId: closed.id })).to.include({ status: 'unassigned', assigneeId: null });

    // Locked out: REST is FORBIDDEN, a new handshake too; the account itself still logs in.
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: agent.token }), 403, 'FORBIDDEN');
    expect(await refusal(t.rawSocket('/agent', { token: agent.token, projectId }))).to.equal('FORBIDDEN');
    expect((await api(t.url, 'POST', '/v1/auth/login', { body: { email: agent.email, password: agent.password } })).status).to.equal(200);
  });

  it('only that project: the agent stays connected to, and assigned in, its other project', async () => {
    const chat = await pooledChat(t);
    const elsewhere = await pooledChat(t);
    await api(t.url, 'POST', `/v1/projects/${elsewhere.projectId}/agents`, {
      token: elsewhere.owner.token,
      body: { email: chat.agent.email, fullname: 'x', password: 'whatever12', role: 'agent' },
    });
    const otherSocket = await t.connectAgent(chat.agent.token, elsewhere.projectId);
    const visitorThere = await t.connectVisitor(elsewhere.projectId);
    const there = await ok(visitorThere.socket, 'conversation:start', { text: 'hi' });
    await ok(otherSocket, 'conversation:join', { conversationId: there.id });

    const heard = collect(otherSocket, 'conversation:updated');
    const closing = disconnected(chat.agentSocket);
    expect((await remove(t, chat.owner.token, chat.projectId, chat.agent.agent.id)).status).to.equal(204);
    await closing;
    expect(otherSocket.connected).to.equal(true);
    expect(await ok(otherSocket, 'conversation:list', {})).to.satisfy((list: any[]) => list.some((c) => c.id === there.id && c.assigneeId === chat.agent.agent.id));
    expect(heard.filter((c) => c.projectId === chat.projectId)).to.deep.equal([]);
  });

  it('roles: an agent may not remove anyone, an admin may not remove an owner, an admin may remove an admin or an agent', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const admin = await addAgent(t.url, owner.token, projectId, 'admin');
    const admin2 = await addAgent(t.url, owner.token, projectId, 'admin');
    const agent2 = await addAgent(t.url, owner.token, projectId, 'agent');

    expectError(await remove(t, agent.token, projectId, agent2.agent.id), 403, 'FORBIDDEN');
    expectError(await remove(t, admin.token, projectId, owner.agent.id), 403, 'FORBIDDEN');
    expect((await remove(t, admin.token, projectId, agent2.agent.id)).status).to.equal(204);
    expect((await remove(t, admin.token, projectId, admin2.agent.id)).status).to.equal(204);
    expect(await memberIds(t, owner.token, projectId)).to.have.members([owner.agent.id, agent.agent.id, admin.agent.id]);
    // Removing oneself is leaving.
    expect((await remove(t, admin.token, projectId, admin.agent.id)).status).to.equal(204);
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: admin.token }), 403, 'FORBIDDEN');
  });

  it('the last owner cannot be removed (409); with two owners one can go; two owners removing each other at once leave one', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    expectError(await remove(t, owner.token, projectId, owner.agent.id), 409, 'CONFLICT');

    const second = await addAgent(t.url, owner.token, projectId, 'admin');
    await makeOwner(t, projectId, second.agent.id);
    const third = await addAgent(t.url, owner.token, projectId, 'admin');
    await makeOwner(t, projectId, third.agent.id);
    expect((await remove(t, owner.token, projectId, third.agent.id)).status).to.equal(204);

    const [a, b] = await Promise.all([remove(t, owner.token, projectId, second.agent.id), remove(t, second.token, projectId, owner.agent.id)]);
    expect([a.status, b.status].sort()).to.satisfy((s: number[]) => (s[0] === 204 && (s[1] === 403 || s[1] === 409)));
    const owners = await t.deps.db.knex('project_members').where({ project_id: projectId, role: 'owner' });
    expect(owners).to.have.length(1);
  });

  it('404 for a non-member, an unknown id, a member of another project, a non-UUID; 401 without a token', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { owner: stranger, projectId: otherProject } = await ownerWithProject(t.url);
    const theirs = await addAgent(t.url, stranger.token, otherProject);
    expectError(await remove(t, owner.token, projectId, stranger.agent.id), 404, 'NOT_FOUND');
    expectError(await remove(t, owner.token, projectId, theirs.agent.id), 404, 'NOT_FOUND');
    expectError(await remove(t, owner.token, projectId, randomUUID()), 404, 'NOT_FOUND');
    expectError(await remove(t, owner.token, projectId, 'bob'), 404, 'NOT_FOUND');
    expectError(await remove(t, owner.token, randomUUID(), owner.agent.id), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'DELETE', `/v1/projects/${projectId}/agents/${owner.agent.id}`), 401, 'UNAUTHENTICATED');
    // Nothing changed in the other project.
    expect(await memberIds(t, stranger.token, otherProject)).to.have.members([stranger.agent.id, theirs.agent.id]);
  });

  it('is documented in /openapi.json', async () => {
    const doc = (await api(t.url, 'GET', '/openapi.json')).body;
    const op = doc.paths['/v1/projects/{projectId}/agents/{agentId}']?.delete;
    expect(op, 'DELETE …/agents/{agentId}').to.be.an('object');
    expect(Object.keys(op.responses)).to.include.members(['204', '401', '403', '404', '409']);
  });

  if (usingRedis()) {
    describe('across processes (Redis)', () => {
      let t2: TestApp;
      before(async () => {
        t2 = await startApp();
      });
      after(async () => {
        await t2.close();
      });

      it("a removal on app 1 closes the member's sockets on app 2", async () => {
        const { owner, projectId } = await ownerWithProject(t.url);
        const member = await connectMember(t2, { owner, projectId });
        const closing = disconnected(member.socket);
        expect((await remove(t, owner.token, projectId, member.account.agent.id)).status).to.equal(204);
        expect(await closing).to.equal('io server disconnect');
      });
    });
  }
});
