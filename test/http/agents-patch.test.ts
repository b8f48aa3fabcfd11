/** PATCH /v1/projects/:projectId/agents/:agentId: roles and capacity, who may change what, and the last owner. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ownerWithProject, signup } from '../support/clients.js';
import { detailPaths, expectError, MEMBER_KEYS } from '../support/rest-fixtures.js';

describe('REST PATCH …/agents/:agentId', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const patch = (projectId: string, agentId: string, token: string | undefined, body: unknown) =>
    api(t.url, 'PATCH', `/v1/projects/${projectId}/agents/${agentId}`, { token, body });
  const rolesOf = async (projectId: string, token: string) => {
    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/agents`, { token });
    return Object.fromEntries((res.body.data as any[]).map((m) => [m.id as string, [m.role, m.maxConcurrent] as [string, number | null]]));
  };

  it('sets maxConcurrent (a number, 0 for no limit, null for the project default) and answers the Member', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const id = agent.agent.id;
    const five = await patch(projectId, id, owner.token, { maxConcurrent: 5 });
    expect(five.status, JSON.stringify(five.body)).to.equal(200);
    expect(five.body).to.have.all.keys(...MEMBER_KEYS);
    expect(five.body).to.deep.equal({ id, email: agent.email, fullname: agent.agent.fullname, role: 'agent', presence: 'offline', maxConcurrent: 5, openConversations: 0 });
    expect((await rolesOf(projectId, owner.token))[id]).to.deep.equal(['agent', 5]);

    expect((await patch(projectId, id, owner.token, { maxConcurrent: 0 })).body).to.include({ maxConcurrent: 0 });
    expect((await patch(projectId, id, owner.token, { maxConcurrent: 1000 })).body).to.include({ maxConcurrent: 1000 });
    expect((await patch(projectId, id, owner.token, { maxConcurrent: null })).body).to.include({ maxConcurrent: null });
    // An empty body (or unknown keys only) changes nothing and answers the member as it is.
    const same = await patch(projectId, id, owner.token, { fullname: 'Not This Way', openConversations: 9 });
    expect(same.status).to.equal(200);
    expect(same.body).to.include({ fullname: agent.agent.fullname, role: 'agent', maxConcurrent: null, openConversations: 0 });
  });

  it('refuses values out of range with VALIDATION_FAILED naming the field, and changes nothing', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    await patch(projectId, agent.agent.id, owner.token, { maxConcurrent: 3 });
    for (const maxConcurrent of [-1, 1001, 2.5, '4', true]) {
      expect(detailPaths(await patch(projectId, agent.agent.id, owner.token, { maxConcurrent }))).to.include('maxConcurrent');
    }
    expect(detailPaths(await patch(projectId, agent.agent.id, owner.token, { role: 'superuser' }))).to.include('role');
    expect((await rolesOf(projectId, owner.token))[agent.agent.id]).to.deep.equal(['agent', 3]);
  });

  it('owners set any role; the last owner cannot be demoted (409) until there is another', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    expect((await patch(projectId, agent.agent.id, owner.token, { role: 'admin' })).body).to.include({ role: 'admin' });

    expectError(await patch(projectId, owner.agent.id, owner.token, { role: 'admin' }), 409, 'CONFLICT');
    expect((await rolesOf(projectId, owner.token))[owner.agent.id]).to.deep.equal(['owner', null]);
    // Setting the role one already has is not a demotion.
    expect((await patch(projectId, owner.agent.id, owner.token, { role: 'owner', maxConcurrent: 2 })).body).to.include({ role: 'owner', maxConcurrent: 2 });

    expect((await patch(projectId, agent.agent.id, owner.token, { role: 'owner' })).body).to.include({ role: 'owner' });
    expect((await patch(projectId, owner.agent.id, owner.token, { role: 'agent' })).body).to.include({ role: 'agent' });
    // The former owner is now a plain agent: it may change no one, itself included.
    expectError(await patch(projectId, owner.agent.id, owner.token, { role: 'owner' }), 403, 'FORBIDDEN');
    expectError(await patch(projectId, agent.agent.id, agent.token, { role: 'agent' }), 409, 'CONFLICT');
    expect(await rolesOf(projectId, agent.token)).to.deep.equal({ [owner.agent.id]: ['agent', 2], [agent.agent.id]: ['owner', null] });
  });

  it('admins make admins and agents of non-owners, but cannot touch an owner\'s role nor make an owner; plain agents change nothing', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const admin = await addAgent(t.url, owner.token, projectId, 'admin');
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    expect((await patch(projectId, agent.agent.id, admin.token, { role: 'admin' })).body).to.include({ role: 'admin' });
    expect((await patch(projectId, agent.agent.id, admin.token, { role: 'agent', maxConcurrent: 4 })).body).to.include({ role: 'agent', maxConcurrent: 4 });
    expectError(await patch(projectId, owner.agent.id, admin.token, { role: 'agent' }), 403, 'FORBIDDEN');
    expectError(await patch(projectId, agent.agent.id, admin.token, { role: 'owner' }), 403, 'FORBIDDEN');
    expectError(await patch(projectId, admin.agent.id, admin.token, { role: 'owner' }), 403, 'FORBIDDEN');
    // Capacity is operational: an admin may set an owner's.
    expect((await patch(projectId, owner.agent.id, admin.token, { maxConcurrent: 7 })).body).to.include({ role: 'owner', maxConcurrent: 7 });

    expectError(await patch(projectId, admin.agent.id, agent.token, { maxConcurrent: 1 }), 403, 'FORBIDDEN');
    expectError(await patch(projectId, agent.agent.id, agent.token, { maxConcurrent: 1 }), 403, 'FORBIDDEN');
    // An admin may step down.
    expect((await patch(projectId, admin.agent.id, admin.token, { role: 'agent' })).body).to.include({ role: 'agent' });
    expect(await rolesOf(projectId, owner.token)).to.deep.equal({
      [owner.agent.id]: ['owner', 7],
      [admin.agent.id]: ['agent', null],
      [agent.agent.id]: ['agent', 4],
    });
  });

  it('two owners demoting each other at once: exactly one wins, the project keeps one owner', async () => {
    for (let round = 0; round < 3; round++) {
      const { owner, projectId } = await ownerWithProject(t.url);
      const second = await addAgent(t.url, owner.token, projectId, 'admin');
      await patch(projectId, second.agent.id, owner.token, { role: 'owner' });
      const [a, b] = await Promise.all([
        patch(projectId, second.agent.id, owner.token, { role: 'agent' }),
        patch(projectId, owner.agent.id, second.token, { role: 'agent' }),
      ]);
      // The loser is no longer an owner when its turn comes: FORBIDDEN (never both through).
      expect([a.status, b.status].sort(), JSON.stringify([a.body, b.body])).to.deep.equal([200, 403]);
      const roles = Object.values(await rolesOf(projectId, a.status === 200 ? owner.token : second.token)).map(([role]) => role);
      expect(roles.sort()).to.deep.equal(['agent', 'owner']);
    }
  });

  it('two owners stepping down at once: one may, the other is then the last owner (409)', async () => {
    for (let round = 0; round < 3; round++) {
      const { owner, projectId } = await ownerWithProject(t.url);
      const second = await addAgent(t.url, owner.token, projectId, 'admin');
      await patch(projectId, second.agent.id, owner.token, { role: 'owner' });
      const [a, b] = await Promise.all([
        patch(projectId, owner.agent.id, owner.token, { role: 'admin' }),
        patch(projectId, second.agent.id, second.token, { role: 'admin' }),
      ]);
      expect([a.status, b.status].sort(), JSON.stringify([a.body, b.body])).to.deep.equal([200, 409]);
      expect((a.status === 409 ? a : b).body.error.code).to.equal('CONFLICT');
      const roles = Object.values(await rolesOf(projectId, owner.token)).map(([role]) => role);
      expect(roles.sort()).to.deep.equal(['admin', 'owner']);
    }
  });

  it('404 for a non-member, an unknown or non-UUID agent id, another project\'s member and an unknown project; 401 without a token', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const other = await ownerWithProject(t.url);
    const theirs = await addAgent(t.url, other.owner.token, other.projectId, 'agent');
    const stranger = await signup(t.url);
    expectError(await patch(projectId, stranger.agent.id, owner.token, { maxConcurrent: 1 }), 404, 'NOT_FOUND');
    expectError(await patch(projectId, randomUUID(), owner.token, { maxConcurrent: 1 }), 404, 'NOT_FOUND');
    expectError(await patch(projectId, 'not-a-uuid', owner.token, { maxConcurrent: 1 }), 404, 'NOT_FOUND');
    expectError(await patch(projectId, theirs.agent.id, owner.token, { maxConcurrent: 1 }), 404, 'NOT_FOUND');
    expectError(await patch(randomUUID(), owner.agent.id, owner.token, { maxConcurrent: 1 }), 404, 'NOT_FOUND');
    expectError(await patch(projectId, owner.agent.id, undefined, { maxConcurrent: 1 }), 401, 'UNAUTHENTICATED');
    // Someone else's project: not a member there.
    expectError(await patch(other.projectId, theirs.agent.id, owner.token, { maxConcurrent: 1 }), 403, 'FORBIDDEN');
    expect((await rolesOf(other.projectId, other.owner.token))[theirs.agent.id]).to.deep.equal(['agent', null]);
  });
});
