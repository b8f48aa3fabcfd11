/** API keys: shown once, stored hashed, scoped to their project and routes, revoked at once on every process. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ownerWithProject } from '../support/clients.js';
import { expectError } from '../support/rest-fixtures.js';
import { WEBHOOK_TEST_ENV } from './receiver.js';

describe('API keys', () => {
  let t: TestApp;
  let other: TestApp;

  before(async () => {
    t = await startApp(WEBHOOK_TEST_ENV);
    // A second app on the same database: another process, as far as keys are concerned.
    other = await startApp(WEBHOOK_TEST_ENV);
  });
  after(async () => {
    await t.close();
    await other.close();
  });

  async function keyFor(scopes: string[]) {
    const { owner, projectId } = await ownerWithProject(t.url);
    const res = await api(t.url, 'POST', `/v1/projects/${projectId}/api-keys`, { token: owner.token, body: { name: 'CRM sync', scopes } });
    expect(res.status).to.equal(201);
    return { owner, projectId, key: res.body.key as string, apiKey: res.body };
  }

  it('is shown once, listed without the key, stored only as a hash', async () => {
    const { owner, projectId, key, apiKey } = await keyFor(['leads:read']);
    expect(key).to.match(/^psk_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).to.include({ name: 'CRM sync', lastUsedAt: null, prefix: key.slice(0, 12) });
    expect(apiKey.scopes).to.deep.equal(['leads:read']);
    const list = await api(t.url, 'GET', `/v1/projects/${projectId}/api-keys`, { token: owner.token });
    expect(list.body.data).to.have.length(1);
    expect(list.body.data[0]).to.not.have.property('key');
    expect(Object.keys(list.body.data[0]).sort()).to.deep.equal(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'scopes']);
    const rows = await t.deps.db.knex('api_keys').where({ id: apiKey.id });
    expect(JSON.stringify(rows)).to.not.include(key);
    expect(rows[0].key_hash).to.match(/^[0-9a-f]{64}$/);
  });

  it('only owners and admins manage keys; a key never does', async () => {
    const { owner, projectId, key } = await keyFor(['leads:read', 'leads:write', 'conversations:read', 'conversations:write', 'webhooks:write']);
    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const admin = await addAgent(t.url, owner.token, projectId, 'admin');
    const path = `/v1/projects/${projectId}/api-keys`;
    expectError(await api(t.url, 'POST', path, { token: agent.token, body: { name: 'x', scopes: ['leads:read'] } }), 403, 'FORBIDDEN');
    expect((await api(t.url, 'POST', path, { token: admin.token, body: { name: 'x', scopes: ['leads:read'] } })).status).to.equal(201);
    expectError(await api(t.url, 'POST', path, { token: key, body: { name: 'x', scopes: ['leads:read'] } }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', path, { token: key }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'POST', path, { token: owner.token, body: { name: 'x', scopes: ['everything'] } }), 400, 'VALIDATION_FAILED');
    expectError(await api(t.url, 'POST', path, { token: owner.token, body: { name: 'x', scopes: [] } }), 400, 'VALIDATION_FAILED');
  });

  it('works on the routes its scopes cover: 403 elsewhere, 404 on another project', async () => {
    const { owner, projectId, key } = await keyFor(['leads:read']);
    const foreign = await ownerWithProject(t.url);
    const p = `/v1/projects/${projectId}`;
    const lead = (await api(t.url, 'POST', `${p}/leads`, { token: owner.token, body: { fullname: 'Kay' } })).body;

    expect((await api(t.url, 'GET', `${p}/leads`, { token: key })).status).to.equal(200);
    expect((await api(t.url, 'GET', `${p}/leads/${lead.id}`, { token: key })).body.fullname).to.equal('Kay');
    expect((await api(t.url, 'GET', `${p}/leads/export`, { token: key })).status).to.equal(200);
    expectError(await api(t.url, 'POST', `${p}/leads`, { token: key, body: { fullname: 'No' } }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'PATCH', `${p}/leads/${lead.id}`, { token: key, body: { fullname: 'No' } }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'DELETE', `${p}/leads/${lead.id}`, { token: key }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', `${p}/conversations`, { token: key }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', `${p}/webhooks`, { token: key }), 403, 'FORBIDDEN');
    // Routes no scope covers: notes (they need an author), members, the project, the caller's account.
    expectError(await api(t.url, 'GET', `${p}/leads/${lead.id}/notes`, { token: key }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', `${p}/agents`, { token: key }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'PATCH', p, { token: key, body: { name: 'Mine' } }), 403, 'FORBIDDEN');
    expectError(await api(t.url, 'GET', '/v1/projects', { token: key }), 403, 'FORBIDDEN');
    // Another project: as if it did not exist.
    expectError(await api(t.url, 'GET', `/v1/projects/${foreign.projectId}/leads`, { token: key }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', `/v1/projects/${foreign.projectId}/agents`, { token: key }), 404, 'NOT_FOUND');
    // A made-up key.
    expectError(await api(t.url, 'GET', `${p}/leads`, { token: `psk_${'A'.repeat(43)}` }), 401, 'UNAUTHENTICATED');
  });

  it('each scope opens its own routes', async () => {
    const { owner, projectId, key } = await keyFor(['leads:write', 'conversations:read', 'webhooks:write']);
    const p = `/v1/projects/${projectId}`;
    const created = await api(t.url, 'POST', `${p}/leads`, { token: key, body: { fullname: 'By key' } });
    expect(created.status).to.equal(201);
    expect((await api(t.url, 'PATCH', `${p}/leads/${created.body.id}`, { token: key, body: { phone: '1' } })).status).to.equal(200);
    expect((await api(t.url, 'PUT', `${p}/leads/by-external-id/crm-1`, { token: key, body: { fullname: 'Upserted' } })).status).to.equal(201);
    expectError(await api(t.url, 'GET', `${p}/leads`, { token: key }), 403, 'FORBIDDEN');
    expect((await api(t.url, 'GET', `${p}/conversations`, { token: key })).status).to.equal(200);
    const hook = await api(t.url, 'POST', `${p}/webhooks`, { token: key, body: { url: 'http://127.0.0.1:9/hook', events: ['lead.created'] } });
    expect(hook.status).to.equal(201);
    expect((await api(t.url, 'GET', `${p}/webhooks`, { token: key })).body.data).to.have.length(1);
    expect((await api(t.url, 'DELETE', `${p}/leads/${created.body.id}`, { token: key })).status).to.equal(204);
    void owner;
  });

  it('never opens a socket', async () => {
    const { projectId, key } = await keyFor(['conversations:read', 'conversations:write']);
    const socket = t.rawSocket('/agent', { token: key, projectId });
    const error = await new Promise<any>((resolve) => socket.once('connect_error', resolve));
    expect(error.data?.code ?? error.message).to.match(/UNAUTHENTICATED/);
  });

  it('a revoked key is refused at once, on the other process too', async () => {
    const { owner, projectId, key, apiKey } = await keyFor(['leads:read']);
    const path = `/v1/projects/${projectId}/leads`;
    expect((await api(other.url, 'GET', path, { token: key })).status).to.equal(200);
    expect((await api(t.url, 'GET', path, { token: key })).status).to.equal(200);
    expect((await api(t.url, 'DELETE', `/v1/projects/${projectId}/api-keys/${apiKey.id}`, { token: owner.token })).status).to.equal(204);
    expectError(await api(other.url, 'GET', path, { token: key }), 401, 'UNAUTHENTICATED');
    expectError(await api(t.url, 'GET', path, { token: key }), 401, 'UNAUTHENTICATED');
    expectError(await api(t.url, 'DELETE', `/v1/projects/${projectId}/api-keys/${apiKey.id}`, { token: owner.token }), 404, 'NOT_FOUND');
  });

  it('keeps lastUsedAt without a write per request', async () => {
    const { owner, projectId, key, apiKey } = await keyFor(['leads:read']);
    for (let i = 0; i < 5; i++) expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads`, { token: key })).status).to.equal(200);
    let listed: any;
    for (let i = 0; i < 40 && !listed?.lastUsedAt; i++) {
      listed = (await api(t.url, 'GET', `/v1/projects/${projectId}/api-keys`, { token: owner.token })).body.data.find((k: any) => k.id === apiKey.id);
      if (!listed.lastUsedAt) await new Promise((r) => setTimeout(r, 50));
    }
    expect(Date.parse(listed.lastUsedAt)).to.be.closeTo(Date.now(), 60_000);
    // Further uses within the minute do not move it (no write per request).
    await new Promise((r) => setTimeout(r, 20));
    await api(t.url, 'GET', `/v1/projects/${projectId}/leads`, { token: key });
    await api(other.url, 'GET', `/v1/projects/${projectId}/leads`, { token: key });
    await new Promise((r) => setTimeout(r, 200));
    const again = (await api(t.url, 'GET', `/v1/projects/${projectId}/api-keys`, { token: owner.token })).body.data.find((k: any) => k.id === apiKey.id);
    expect(again.lastUsedAt).to.equal(listed.lastUsedAt);
  });

  it('is documented in /openapi.json as a second security scheme with the route scope', async () => {
    const doc = (await api(t.url, 'GET', '/openapi.json')).body;
    expect(doc.components.securitySchemes.apiKey).to.include({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/projects/{projectId}/leads'].get.security).to.deep.equal([{ bearer: [] }, { apiKey: ['leads:read'] }]);
    expect(doc.paths['/v1/projects/{projectId}/leads'].post.security).to.deep.equal([{ bearer: [] }, { apiKey: ['leads:write'] }]);
    expect(doc.paths['/v1/projects/{projectId}/api-keys'].post.security).to.deep.equal([{ bearer: [] }]);
  });
});
