/** The REST edges: unknown routes, bodies that are not JSON or too big, /healthz and /readyz. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject, signup, uniqueEmail } from '../support/clients.js';
import { detailPaths, expectError } from '../support/rest-fixtures.js';
import { usingRedis } from '../support/test-config.js';

describe('REST errors and health', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('an unknown route or method is 404 with the JSON error body NOT_FOUND', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    expectError(await api(t.url, 'GET', '/nope'), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', '/v2/projects'), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'POST', '/v1/auth/whoami', { body: {} }), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'DELETE', '/v1/auth/signup'), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', `/v1/projects/${projectId}/widgets`, { token: owner.token }), 404, 'NOT_FOUND');
  });

  it('a body that is not valid JSON is 400 VALIDATION_FAILED, and the server goes on', async () => {
    const res = await api(t.url, 'POST', '/v1/auth/signup', { rawBody: '{"email": "a@example.com", "password": ' });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.details).to.be.an('array');
    expect(JSON.stringify(res.body)).to.not.match(/SyntaxError|at JSON|node_modules/);
    expectError(await api(t.url, 'POST', '/v1/auth/login', { rawBody: 'not json at all' }), 400, 'VALIDATION_FAILED');
    // Still serving.
    expect((await api(t.url, 'POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: 'long enough', fullname: 'After' } })).status).to.equal(201);
  });

  it('a JSON body that is not an object is 400 at the root; a body that is not JSON is 400 naming the missing fields', async () => {
    expect(detailPaths(await api(t.url, 'POST', '/v1/auth/login', { rawBody: '[1, 2, 3]' }))).to.deep.equal(['']);
    const asText = await api(t.url, 'POST', '/v1/auth/signup', { rawBody: 'email=a@example.com', headers: { 'content-type': 'text/plain' } });
    expect(detailPaths(asText)).to.have.members(['email', 'password', 'fullname']);
  });

  it('a JSON body over 64 KiB is 413 PAYLOAD_TOO_LARGE; one just under it is read (and validated)', async () => {
    const owner = await signup(t.url);
    const over = await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: 'Big', notes: 'x'.repeat(65 * 1024) } });
    expectError(over, 413, 'PAYLOAD_TOO_LARGE');
    // The limit is the body's, whoever sends it: no token needed to be refused.
    expectError(await api(t.url, 'POST', '/v1/auth/signup', { body: { email: 'x@example.com', password: 'x'.repeat(70_000), fullname: 'X' } }), 413, 'PAYLOAD_TOO_LARGE');

    const under = await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: 'Big', notes: 'x'.repeat(60 * 1024) } });
    expect(under.status).to.equal(201);
    expect(under.body).to.not.have.property('notes');
    const tooLongName = await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: 'x'.repeat(60 * 1024) } });
    expect(detailPaths(tooLongName)).to.deep.equal(['name']);
  });

  it('GET /healthz is 200 while the process runs', async () => {
    const res = await api(t.url, 'GET', '/healthz');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok' });
  });

  it('GET /readyz is 200 with the database (and Redis, when configured) answering', async () => {
    const res = await api(t.url, 'GET', '/readyz');
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('ok');
    expect(res.body.checks).to.deep.equal(usingRedis() ? { database: 'ok', redis: 'ok' } : { database: 'ok' });
  });

  it('GET /readyz is 503 naming Redis when the configured Redis does not answer', async () => {
    const broken = await startApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const res = await api(broken.url, 'GET', '/readyz');
      expect(res.status).to.equal(503);
      expect(res.body.checks).to.deep.equal({ database: 'ok', redis: 'down' });
      expect((await api(broken.url, 'GET', '/healthz')).status).to.equal(200);
    } finally {
      await broken.close();
    }
  });
});
