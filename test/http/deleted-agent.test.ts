/** Regression (issue 6): a correctly signed token whose agent no longer exists is 401 UNAUTHENTICATED everywhere, as on sockets. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ownerWithProject } from '../support/clients.js';
import { expectError, visitorConversation } from '../support/rest-fixtures.js';
import { refusal } from '../support/tokens.js';

describe('a token whose agent was deleted', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('answers 401 UNAUTHENTICATED on every route (it used to be 500 on POST /v1/projects and 403 elsewhere), and the socket is refused', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const gone = await addAgent(t.url, owner.token, projectId, 'admin');
    const { lead, conversation } = await visitorConversation(t, projectId);
    // The account disappears behind the server's back (an operator, another tool): its token is still well signed.
    expect(await t.deps.db.knex('agents').where({ id: gone.agent.id }).delete().returning('id')).to.have.length(1);

    const calls: [string, string, unknown?][] = [
      ['POST', '/v1/projects', { name: 'Ghost town' }],
      ['GET', `/v1/projects/${projectId}`],
      ['PATCH', `/v1/projects/${projectId}`, { name: 'Renamed' }],
      ['GET', `/v1/projects/${projectId}/agents`],
      ['POST', `/v1/projects/${projectId}/agents`, { email: 'someone@example.test', fullname: 'Some One', password: 'long enough', role: 'agent' }],
      ['DELETE', `/v1/projects/${projectId}/agents/${owner.agent.id}`],
      ['GET', `/v1/projects/${projectId}/leads`],
      ['GET', `/v1/projects/${projectId}/leads/${lead.id}`],
      ['PATCH', `/v1/projects/${projectId}/leads/${lead.id}`, { fullname: 'Changed' }],
      ['GET', `/v1/projects/${projectId}/conversations`],
      ['GET', `/v1/projects/${projectId}/conversations/${conversation.id}/messages`],
      ['GET', `/v1/projects/${projectId}/leads/export`],
    ];
    for (const [method, path, body] of calls) {
      const res = await api(t.url, method, path, { token: gone.token, ...(body === undefined ? {} : { body }) });
      expectError(res, 401, 'UNAUTHENTICATED');
      expect(res.body.error.message, `${method} ${path}`).to.match(/no longer exists/);
    }
    // Nothing was done in its name.
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token })).body.name).to.equal('Acme Support');
    expect(await t.deps.db.knex('projects').where({ name: 'Ghost town' })).to.deep.equal([]);
    expect(await refusal(t.rawSocket('/agent', { token: gone.token, projectId }))).to.equal('UNAUTHENTICATED');
  });
});
