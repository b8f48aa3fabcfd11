/** POST /v1/projects and GET /v1/projects/:id: the Project shape, who sees the identity secret, and the bearer-token guard. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { validate as isUuid } from 'uuid';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ownerWithProject, signup } from '../support/clients.js';
import { detailPaths, expectError, forgeToken, nowSeconds } from '../support/rest-fixtures.js';

const PROJECT_KEYS = ['id', 'name', 'createdAt', 'routing', 'defaultMaxConcurrent', 'prechatFields'];

describe('REST projects', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('POST /v1/projects answers 201 with the Project, routing auto, no concurrency limit, and the secret for its owner', async () => {
    const owner = await signup(t.url, 'Olga Owner');
    const before = Date.now();
    const res = await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: '  Acme Help  ', color: 'red' } });
    expect(res.status).to.equal(201);
    expect(res.body).to.have.all.keys(...PROJECT_KEYS, 'identitySecret');
    expect(isUuid(res.body.id)).to.equal(true);
    expect(res.body).to.include({ name: 'Acme Help', routing: 'auto', defaultMaxConcurrent: 0 });
    expect(res.body.identitySecret).to.be.a('string').with.length.greaterThan(20);
    expect(new Date(res.body.createdAt).toISOString()).to.equal(res.body.createdAt);
    expect(Date.parse(res.body.createdAt)).to.be.closeTo(before, 60_000);

    // The caller became its owner.
    const members = await api(t.url, 'GET', `/v1/projects/${res.body.id}/agents`, { token: owner.token });
    expect(members.body.data.map((m: any) => [m.id, m.role])).to.deep.equal([[owner.agent.id, 'owner']]);
  });

  it('POST /v1/projects without a name is 400 naming `name`', async () => {
    const owner = await signup(t.url);
    expect(detailPaths(await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: {} }))).to.deep.equal(['name']);
    expect(detailPaths(await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: '   ' } }))).to.deep.equal(['name']);
  });

  it('GET /v1/projects/:id shows the identity secret to the owner and to admins, not to agents', async () => {
    const { owner, projectId, project } = await ownerWithProject(t.url);
    const asOwner = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token });
    expect(asOwner.status).to.equal(200);
    expect(asOwner.body).to.deep.equal(project);

    const admin = await addAgent(t.url, owner.token, projectId, 'admin');
    const asAdmin = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: admin.token });
    expect(asAdmin.status).to.equal(200);
    expect(asAdmin.body.identitySecret).to.equal(project.identitySecret);

    const agent = await addAgent(t.url, owner.token, projectId, 'agent');
    const asAgent = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: agent.token });
    expect(asAgent.status).to.equal(200);
    expect(asAgent.body).to.have.all.keys(...PROJECT_KEYS);
    expect(JSON.stringify(asAgent.body)).to.not.include(project.identitySecret);
    const { identitySecret: _secret, ...withoutSecret } = project;
    expect(asAgent.body).to.deep.equal(withoutSecret);
  });

  it('GET /v1/projects/:id is 403 for a non-member, 404 for an unknown id and for a non-UUID id', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const stranger = await signup(t.url, 'Stan Stranger');
    const forbidden = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: stranger.token });
    expectError(forbidden, 403, 'FORBIDDEN');
    expect(JSON.stringify(forbidden.body)).to.not.include('identitySecret');
    expectError(await api(t.url, 'GET', `/v1/projects/${randomUUID()}`, { token: stranger.token }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', '/v1/projects/not-a-uuid', { token: stranger.token }), 404, 'NOT_FOUND');
  });

  describe('the bearer token', () => {
    it('is required: none, a malformed header, or garbage is 401 UNAUTHENTICATED', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      expectError(await api(t.url, 'GET', `/v1/projects/${projectId}`), 401, 'UNAUTHENTICATED');
      expectError(await api(t.url, 'POST', '/v1/projects', { body: { name: 'No token' } }), 401, 'UNAUTHENTICATED');
      expectError(await api(t.url, 'GET', `/v1/projects/${projectId}`, { headers: { authorization: owner.token } }), 401, 'UNAUTHENTICATED');
      expectError(await api(t.url, 'GET', `/v1/projects/${projectId}`, { headers: { authorization: `Basic ${owner.token}` } }), 401, 'UNAUTHENTICATED');
      expectError(await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: 'not.a.jwt' }), 401, 'UNAUTHENTICATED');
      // A token tampered with: the first character of the signature changed (all of its bits count).
      const [header, payload, signature] = owner.token.split('.') as [string, string, string];
      const tampered = `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      expectError(await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: tampered }), 401, 'UNAUTHENTICATED');
      // An unknown project without a token is still 401: authentication comes first.
      expectError(await api(t.url, 'GET', `/v1/projects/${randomUUID()}`), 401, 'UNAUTHENTICATED');
    });

    it('expired is 401, while the same agent with a fresh token gets in', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const expired = await forgeToken({ sub: owner.agent.id, audience: 'pingstreams:agent', expiresAt: nowSeconds() - 60 });
      expectError(await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: expired }), 401, 'UNAUTHENTICATED');
      const fresh = await forgeToken({ sub: owner.agent.id, audience: 'pingstreams:agent', expiresAt: nowSeconds() + 600 });
      expect((await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: fresh })).status).to.equal(200);
    });

    it('of a visitor is not an agent token: 401', async () => {
      const { projectId } = await ownerWithProject(t.url);
      const anonymous = await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId } });
      expectError(await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: anonymous.body.token }), 401, 'UNAUTHENTICATED');
      expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/leads`, { token: anonymous.body.token }), 401, 'UNAUTHENTICATED');
      // Even one forged with a visitor audience and an agent's id as its subject.
      const { owner } = await ownerWithProject(t.url);
      const visitorAudience = await forgeToken({ sub: owner.agent.id, audience: 'pingstreams:visitor', expiresAt: nowSeconds() + 600, claims: { pid: projectId } });
      expectError(await api(t.url, 'POST', '/v1/projects', { token: visitorAudience, body: { name: 'x' } }), 401, 'UNAUTHENTICATED');
    });
  });
});
