/** Agents create, upsert and edit contacts: POST …/leads, PUT …/leads/by-external-id/:externalId, PATCH …/leads/:leadId. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ok, ownerWithProject, signup, sleep } from '../support/clients.js';
import { detailPaths, expectError, LEAD_KEYS, visitorLead } from '../support/rest-fixtures.js';

describe('contacts: create, upsert, edit', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const leads = (projectId: string) => `/v1/projects/${projectId}/leads`;

  it('POST creates a lead with no visitor id: trimmed fields, normalised tags, attributes', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const res = await api(t.url, 'POST', leads(projectId), {
      token: agent.token,
      body: { fullname: '  Ada Lovelace ', email: 'ada@example.com', phone: '+44 20 7946 0000', externalId: 'crm-1', attributes: { plan: 'gold' }, tags: ['VIP', 'vip', ' Beta '] },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(Object.keys(res.body)).to.have.members(LEAD_KEYS);
    expect(res.body).to.include({ projectId, fullname: 'Ada Lovelace', email: 'ada@example.com', externalId: 'crm-1', verified: false, lastSeenAt: null });
    expect(res.body.visitorIds).to.deep.equal([]);
    expect(res.body.tags).to.deep.equal(['vip', 'beta']);
    expect(res.body.attributes).to.deep.equal({ plan: 'gold' });

    const read = await api(t.url, 'GET', `${leads(projectId)}/${res.body.id}`, { token: owner.token });
    expect(read.status).to.equal(200);
    expect(read.body).to.deep.include({ ...res.body, online: false });

    const empty = await api(t.url, 'POST', leads(projectId), { token: agent.token, body: {} });
    expect(empty.status).to.equal(201);
    expect(empty.body).to.include({ fullname: null, email: null, externalId: null });
  });

  it('POST with an externalId already used in the project is 409 naming the existing lead; another project may reuse it', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const first = await api(t.url, 'POST', leads(projectId), { token: owner.token, body: { externalId: 'user-42', fullname: 'First' } });
    const again = await api(t.url, 'POST', leads(projectId), { token: owner.token, body: { externalId: 'user-42', fullname: 'Second' } });
    expectError(again, 409, 'CONFLICT');
    expect(again.body.error.details).to.deep.equal({ leadId: first.body.id });

    const other = await ownerWithProject(t.url);
    const elsewhere = await api(t.url, 'POST', leads(other.projectId), { token: other.owner.token, body: { externalId: 'user-42' } });
    expect(elsewhere.status).to.equal(201);
  });

  it('PUT by-external-id creates (201), then updates (200) the same lead, keeping what it does not name', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const path = `${leads(projectId)}/by-external-id/${encodeURIComponent('crm/77 é')}`;
    const created = await api(t.url, 'PUT', path, { token: owner.token, body: { fullname: 'Grace', email: 'grace@example.com', attributes: { a: 1 } } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body).to.include({ externalId: 'crm/77 é', fullname: 'Grace' });

    const updated = await api(t.url, 'PUT', path, { token: owner.token, body: { phone: '555', attributes: { b: 2 } } });
    expect(updated.status).to.equal(200);
    expect(updated.body).to.include({ id: created.body.id, fullname: 'Grace', email: 'grace@example.com', phone: '555', externalId: 'crm/77 é' });
    expect(updated.body.attributes).to.deep.equal({ a: 1, b: 2 });
  });

  it('PUT by-external-id of one new externalId five times at once ends on one lead', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const path = `${leads(projectId)}/by-external-id/race-1`;
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => api(t.url, 'PUT', path, { token: owner.token, body: { attributes: { [`k${n}`]: n } } })));
    expect(answers.map((a) => a.status).sort(), JSON.stringify(answers.map((a) => a.body))).to.deep.equal([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).to.equal(1);
    const list = await api(t.url, 'GET', `${leads(projectId)}?limit=100`, { token: owner.token });
    expect(list.body.data).to.have.length(1);
    expect(list.body.data[0].attributes).to.deep.equal({ k1: 1, k2: 2, k3: 3, k4: 4, k5: 5 });
  });

  it('PATCH edits fields and tags; attributes merge key by key and null removes a key; an empty string clears', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { lead } = await visitorLead(t, projectId, { fullname: 'Vera', email: 'vera@example.com', phone: '123', attributes: { plan: 'gold', seats: 3, region: 'EU' } });
    const res = await api(t.url, 'PATCH', `${leads(projectId)}/${lead.id}`, {
      token: owner.token,
      body: { lastName: 'Visitor', phone: '', attributes: { seats: 4, region: null, extra: { nested: true } }, tags: ['Lead', 'Q3'], id: 'ignored' },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ id: lead.id, fullname: 'Vera', lastName: 'Visitor', phone: null, email: 'vera@example.com' });
    expect(res.body.attributes).to.deep.equal({ plan: 'gold', seats: 4, extra: { nested: true } });
    expect(res.body.tags).to.deep.equal(['lead', 'q3']);
    expect(res.body.visitorIds).to.deep.equal(lead.visitorIds);

    const cleared = await api(t.url, 'PATCH', `${leads(projectId)}/${lead.id}`, { token: owner.token, body: { tags: [] } });
    expect(cleared.body.tags).to.deep.equal([]);
  });

  it('PATCH that changes nothing keeps updatedAt; one that changes something moves it', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const created = await api(t.url, 'POST', leads(projectId), { token: owner.token, body: { fullname: 'Same', tags: ['a'], attributes: { x: 1 } } });
    await sleep(20);
    const same = await api(t.url, 'PATCH', `${leads(projectId)}/${created.body.id}`, { token: owner.token, body: { fullname: 'Same', tags: ['A'], attributes: { x: 1 } } });
    expect(same.body.updatedAt).to.equal(created.body.updatedAt);
    const changed = await api(t.url, 'PATCH', `${leads(projectId)}/${created.body.id}`, { token: owner.token, body: { fullname: 'Other' } });
    expect(Date.parse(changed.body.updatedAt)).to.be.greaterThan(Date.parse(created.body.updatedAt));
  });

  it('refuses bad input with every field named: email, tags (over 20, over 50 characters, a comma), long names', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const created = await api(t.url, 'POST', leads(projectId), { token: owner.token, body: {} });
    const tooMany = Array.from({ length: 21 }, (_, i) => `t${i}`);
    const bad = await api(t.url, 'PATCH', `${leads(projectId)}/${created.body.id}`, { token: owner.token, body: { email: 'not-an-email', tags: tooMany, fullname: 'x'.repeat(201) } });
    expect(detailPaths(bad)).to.include.members(['email', 'tags', 'fullname']);
    const longTag = await api(t.url, 'POST', leads(projectId), { token: owner.token, body: { tags: ['x'.repeat(51)] } });
    expect(detailPaths(longTag)).to.deep.equal(['tags.0']);
    const comma = await api(t.url, 'POST', leads(projectId), { token: owner.token, body: { tags: ['a,b'] } });
    expect(detailPaths(comma)).to.deep.equal(['tags.0']);
    const emptyExternal = await api(t.url, 'POST', leads(projectId), { token: owner.token, body: { externalId: '' } });
    expect(detailPaths(emptyExternal)).to.deep.equal(['externalId']);
  });

  it('PATCH to an externalId another lead has is 409; tenancy: 404 for another project, 403 for a stranger', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const a = await api(t.url, 'POST', leads(projectId), { token: owner.token, body: { externalId: 'a' } });
    const b = await api(t.url, 'POST', leads(projectId), { token: owner.token, body: { externalId: 'b' } });
    const clash = await api(t.url, 'PATCH', `${leads(projectId)}/${b.body.id}`, { token: owner.token, body: { externalId: 'a' } });
    expectError(clash, 409, 'CONFLICT');
    expect(clash.body.error.details).to.deep.equal({ leadId: a.body.id });

    const other = await ownerWithProject(t.url);
    expectError(await api(t.url, 'PATCH', `${leads(other.projectId)}/${a.body.id}`, { token: other.owner.token, body: { fullname: 'x' } }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'PATCH', `${leads(projectId)}/not-a-uuid`, { token: owner.token, body: {} }), 404, 'NOT_FOUND');
    const stranger = await signup(t.url);
    expectError(await api(t.url, 'PATCH', `${leads(projectId)}/${a.body.id}`, { token: stranger.token, body: { fullname: 'x' } }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'POST', leads(projectId), { token: stranger.token, body: {} }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'PUT', `${leads(projectId)}/by-external-id/z`, { body: {} }), 401, 'UNAUTHENTICATED');
  });

  it("the visitor's pre-chat form and the agent's edits meet on the same lead", async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const { visitor, lead } = await visitorLead(t, projectId, { fullname: 'Mia' });
    await api(t.url, 'PATCH', `${leads(projectId)}/${lead.id}`, { token: owner.token, body: { tags: ['vip'], attributes: { note: 'called' } } });
    const after = await ok(visitor.socket, 'lead:update', { email: 'mia@example.com', attributes: { page: '/pricing' } });
    expect(after).to.include({ id: lead.id, fullname: 'Mia', email: 'mia@example.com' });
    expect(after.tags).to.deep.equal(['vip']);
    expect(after.attributes).to.deep.equal({ note: 'called', page: '/pricing' });
  });
});
