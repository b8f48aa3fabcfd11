/**
 * GET /v1/projects, the console's project picker: the caller's projects with its role in each.
 * Plain REST (no browser needed): it runs with or without Chromium.
 */
import { expect } from 'chai';
import { addAgent, api, ownerWithProject, signup } from '../support/clients.js';
import { expectError } from '../support/rest-fixtures.js';
import { startApp, type TestApp } from '../support/start-app.js';

describe('GET /v1/projects (the console picks a project)', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(() => t.close());

  it("lists the caller's projects, oldest membership first, with its role and without identity secrets", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const other = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, other.owner.token, other.projectId, 'admin');
    const second = await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: 'Second' } });
    await api(t.url, 'POST', `/v1/projects/${second.body.id}/agents`, { token: owner.token, body: { email: agent.email, fullname: 'x', password: 'whatever123', role: 'agent' } });

    const mine = await api(t.url, 'GET', '/v1/projects', { token: owner.token });
    expect(mine.status).to.equal(200);
    expect(mine.body.data.map((p: { id: string; role: string }) => [p.id, p.role])).to.deep.equal([
      [projectId, 'owner'],
      [second.body.id, 'owner'],
    ]);
    for (const p of mine.body.data) expect(p).to.have.all.keys('id', 'name', 'createdAt', 'routing', 'defaultMaxConcurrent', 'prechatFields', 'role');

    const theirs = await api(t.url, 'GET', '/v1/projects', { token: agent.token });
    expect(theirs.body.data.map((p: { id: string; role: string }) => [p.id, p.role])).to.deep.equal([
      [other.projectId, 'admin'],
      [second.body.id, 'agent'],
    ]);
  });

  it('is empty for an agent in no project, and 401 without a token', async () => {
    const loner = await signup(t.url, 'Lonely Agent');
    expect((await api(t.url, 'GET', '/v1/projects', { token: loner.token })).body).to.deep.equal({ data: [] });
    expectError(await api(t.url, 'GET', '/v1/projects'), 401, 'UNAUTHENTICATED');
  });
});
