/**
 * Issue 9: requireAgent + requireMember answer from one query (agent, project, membership), with
 * the same precedence as the three queries they replaced: UNAUTHENTICATED, then NOT_FOUND, then
 * FORBIDDEN (not a member, then the wrong role). Nothing is cached: changes count at once. GET …/leads
 * leaves the check to its own statement (readProvesMembership): one query when it finds a lead.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ownerWithProject, signup } from '../support/clients.js';
import { expectError } from '../support/rest-fixtures.js';

describe('project route guards (one query for agent, project and membership)', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const deleteAgent = async (id: string) => expect(await t.deps.db.knex('agents').where({ id }).delete().returning('id')).to.have.length(1);

  it('a deleted agent is 401 before anything about the project: unknown, non-UUID, not its own, its own', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const { projectId: otherProject } = await ownerWithProject(t.url);
    const { owner: gone, projectId: ownProject } = await ownerWithProject(t.url);
    await deleteAgent(gone.agent.id);
    for (const id of [randomUUID(), 'not-a-uuid', projectId, otherProject, ownProject]) {
      for (const path of [`/v1/projects/${id}/leads?email=a@example.test`, `/v1/projects/${id}`, `/v1/projects/${id}/api-keys`]) {
        const res = await api(t.url, 'GET', path, { token: gone.token });
        expectError(res, 401, 'UNAUTHENTICATED');
        expect(res.body.error.message, path).to.match(/no longer exists/);
      }
    }
    // Routes with requireAgent alone check it too.
    expectError(await api(t.url, 'GET', '/v1/projects', { token: gone.token }), 401, 'UNAUTHENTICATED');
    expectError(await api(t.url, 'POST', '/v1/projects', { token: gone.token, body: { name: 'Ghost' } }), 401, 'UNAUTHENTICATED');
  });

  it('a live agent: unknown or non-UUID project 404, before "not a member" 403, before the role 403', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const stranger = await signup(t.url, 'Stan Stranger');
    const member = await addAgent(t.url, owner.token, projectId, 'agent');
    for (const token of [owner.token, stranger.token, member.token]) {
      expectError(await api(t.url, 'GET', `/v1/projects/${randomUUID()}/leads?email=a@example.test`, { token }), 404, 'NOT_FOUND');
      expectError(await api(t.url, 'GET', `/v1/projects/not-a-uuid/api-keys`, { token }), 404, 'NOT_FOUND');
    }
    const notMember = await api(t.url, 'GET', `/v1/projects/${projectId}/api-keys`, { token: stranger.token });
    expectError(notMember, 403, 'FORBIDDEN');
    expect(notMember.body.error.message).to.match(/not a member/);
    const wrongRole = await api(t.url, 'GET', `/v1/projects/${projectId}/api-keys`, { token: member.token });
    expectError(wrongRole, 403, 'FORBIDDEN');
    expect(wrongRole.body.error.message).to.match(/owner or admin/);
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads?email=a@example.test`, { token: member.token })).status).to.equal(200);
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}/api-keys`, { token: owner.token })).status).to.equal(200);
  });

  it('a removed member is refused on its next request, and a role change counts at once', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const member = await addAgent(t.url, owner.token, projectId, 'admin');
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}/api-keys`, { token: member.token })).status).to.equal(200);
    await t.deps.db.knex('project_members').where({ project_id: projectId, agent_id: member.agent.id }).update({ role: 'agent' });
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/api-keys`, { token: member.token }), 403, 'FORBIDDEN');
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads`, { token: member.token })).status).to.equal(200);
    expect((await api(t.url, 'DELETE', `/v1/projects/${projectId}/agents/${member.agent.id}`, { token: owner.token })).status).to.equal(204);
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads`, { token: member.token }), 403, 'FORBIDDEN');
  });

  /** The SQL of every query this app runs while `run` does (only this request's queries name these tables: the background workers of an idle app do not). */
  async function queriesDuring(run: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const listener = (query: { sql: string }) => seen.push(query.sql);
    t.deps.db.knex.on('query', listener);
    try {
      await run();
    } finally {
      t.deps.db.knex.off('query', listener);
    }
    return seen.filter((sql) => /\b(agents|projects|project_members|leads)\b/.test(sql));
  }

  it('GET …/leads?email= that finds its lead is one query, which checks the membership; finding none adds the guards\' query', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const lead = await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { email: 'found@example.test' } });
    expect(lead.status).to.equal(201);

    let res: any;
    const found = await queriesDuring(async () => {
      res = await api(t.url, 'GET', `/v1/projects/${projectId}/leads?email=FOUND@example.test`, { token: owner.token });
    });
    expect(res!.status).to.equal(200);
    expect(res!.body.data.map((l: { id: string }) => l.id)).to.deep.equal([lead.body.id]);
    expect(found, found.join('\n')).to.have.length(1);
    expect(found[0]).to.match(/\bproject_members\b/).and.match(/\bleads\b/);

    const none = await queriesDuring(async () => {
      res = await api(t.url, 'GET', `/v1/projects/${projectId}/leads?email=nobody@example.test`, { token: owner.token });
    });
    expect(res!.status).to.equal(200);
    expect(res!.body.data).to.deep.equal([]);
    expect(none, none.join('\n')).to.have.length(2);
    expect(none.filter((sql) => /\bleads\b/.test(sql))).to.have.length(1);
  });

  it('GET …/leads: a non-member, a removed member and a deleted agent get nothing of a lead that is there, and the guards\' answer', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    expect((await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { email: 'there@example.test' } })).status).to.equal(201);
    const path = `/v1/projects/${projectId}/leads?email=there@example.test`;
    const stranger = await signup(t.url, 'Stan Stranger');
    const notMember = await api(t.url, 'GET', path, { token: stranger.token });
    expectError(notMember, 403, 'FORBIDDEN');
    expect(notMember.body.error.message).to.match(/not a member/);
    // The guards come before the input, as on every route: 403, not 400, for a non-member's bad query.
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads?limit=zero`, { token: stranger.token }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads?cursor=not-a-cursor`, { token: stranger.token }), 403, 'FORBIDDEN');

    const member = await addAgent(t.url, owner.token, projectId, 'agent');
    expect((await api(t.url, 'GET', path, { token: member.token })).body.data).to.have.length(1);
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads?limit=zero`, { token: member.token }), 400, 'VALIDATION_FAILED');
    expect((await api(t.url, 'DELETE', `/v1/projects/${projectId}/agents/${member.agent.id}`, { token: owner.token })).status).to.equal(204);
    expectError(await api(t.url, 'GET', path, { token: member.token }), 403, 'FORBIDDEN');

    const admin = await addAgent(t.url, owner.token, projectId, 'admin');
    expect((await api(t.url, 'GET', path, { token: admin.token })).body.data).to.have.length(1);
    await deleteAgent(admin.agent.id);
    const gone = await api(t.url, 'GET', path, { token: admin.token });
    expectError(gone, 401, 'UNAUTHENTICATED');
    expect(gone.body.error.message).to.match(/no longer exists/);
  });
});
