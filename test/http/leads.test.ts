/** GET /v1/projects/:id/leads/:leadId and …/conversations: the Lead shape, tenancy (404, never 403), a lead's conversations. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ok, ownerWithProject, signup } from '../support/clients.js';
import { expectError, LEAD_KEYS, visitorConversation, visitorLead } from '../support/rest-fixtures.js';

describe('REST leads: one lead', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('GET …/leads/:leadId answers the Lead as the visitor left it, to any member', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const { visitor, lead } = await visitorLead(t, projectId, {
      fullname: 'Giulia Neri',
      firstName: 'Giulia',
      email: 'giulia@example.com',
      phone: '+39 333 1234567',
      attributes: { plan: 'gold', seats: 3 },
    });
    await ok(visitor.socket, 'lead:update', { lastName: 'Neri', attributes: { seats: 4, region: 'EU' } });

    for (const token of [owner.token, agent.token]) {
      const res = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${lead.id}`, { token });
      expect(res.status).to.equal(200);
      // The Lead shape; `online` is the one addition the contract allows on this endpoint.
      expect(Object.keys(res.body).filter((k) => k !== 'online')).to.have.members(LEAD_KEYS);
      if ('online' in res.body) expect(res.body.online).to.be.a('boolean');
      expect(res.body).to.include({
        id: lead.id,
        projectId,
        externalId: null,
        fullname: 'Giulia Neri',
        firstName: 'Giulia',
        lastName: 'Neri',
        email: 'giulia@example.com',
        phone: '+39 333 1234567',
        createdAt: lead.createdAt,
      });
      expect(res.body.visitorIds).to.deep.equal([visitor.session.visitorId]);
      expect(res.body.attributes).to.deep.equal({ plan: 'gold', seats: 4, region: 'EU' });
      expect(Date.parse(res.body.updatedAt)).to.be.at.least(Date.parse(res.body.createdAt));
    }
  });

  it("another project's lead is 404, never 403, even for an agent who belongs to both projects", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const theirs = await ownerWithProject(t.url);
    const { lead: foreign } = await visitorLead(t, theirs.projectId, { fullname: 'Elsewhere', email: 'elsewhere@example.com' });
    // The owner of the first project is also an admin of the second.
    const added = await api(t.url, 'POST', `/v1/projects/${theirs.projectId}/agents`, { token: theirs.owner.token, body: { email: owner.email, fullname: 'x', password: owner.password, role: 'admin' } });
    expect(added.status).to.equal(201);
    expect((await api(t.url, 'GET', `/v1/projects/${theirs.projectId}/leads/${foreign.id}`, { token: owner.token })).status).to.equal(200);

    for (const path of [`leads/${foreign.id}`, `leads/${foreign.id}/conversations`]) {
      const res = await api(t.url, 'GET', `/v1/projects/${projectId}/${path}`, { token: owner.token });
      expectError(res, 404, 'NOT_FOUND');
      expect(JSON.stringify(res.body)).to.not.include('elsewhere');
    }
    // Nor does it show up in this project's lists.
    const listed = await api(t.url, 'GET', `/v1/projects/${projectId}/leads?email=elsewhere%40example.com`, { token: owner.token });
    expect(listed.body.data).to.deep.equal([]);
  });

  it('an unknown id or a non-UUID id is 404; a stranger to the project is 403', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { lead } = await visitorLead(t, projectId, { fullname: 'Known' });
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${randomUUID()}`, { token: owner.token }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads/not-a-uuid`, { token: owner.token }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads/not-a-uuid/conversations`, { token: owner.token }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${randomUUID()}/conversations`, { token: owner.token }), 404, 'NOT_FOUND');
    const stranger = await signup(t.url);
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${lead.id}`, { token: stranger.token }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads`, { token: stranger.token }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${lead.id}`), 401, 'UNAUTHENTICATED');
  });

  it('GET …/leads/:leadId/conversations lists that lead\'s conversations only, newest first', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { visitor, lead, conversation: first } = await visitorConversation(t, projectId, 'First question');
    const second = await ok(visitor.socket, 'conversation:start', { text: 'Second question' });
    const third = await ok(visitor.socket, 'conversation:start', {});
    await visitorConversation(t, projectId, 'Somebody else');
    const { lead: quiet } = await visitorLead(t, projectId, { fullname: 'Never asked' });

    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${lead.id}/conversations`, { token: owner.token });
    expect(res.status).to.equal(200);
    expect(res.body).to.have.all.keys('data');
    expect(res.body.data.map((c: any) => c.id)).to.deep.equal([third.id, second.id, first.id]);
    expect(res.body.data[2]).to.deep.equal(first);
    expect(res.body.data[1]).to.include({ leadId: lead.id, projectId, status: 'unassigned', assigneeId: null, firstText: 'Second question', lastSeq: 1, rating: null, closedAt: null });
    expect(res.body.data[0]).to.include({ firstText: null, lastSeq: 0 });

    const none = await api(t.url, 'GET', `/v1/projects/${projectId}/leads/${quiet.id}/conversations`, { token: owner.token });
    expect(none.status).to.equal(200);
    expect(none.body).to.deep.equal({ data: [] });
  });
});
