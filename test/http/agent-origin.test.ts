/** The agent side against cross-site use: REST with an agent token from a foreign Origin is 403 (CSRF); the widget's endpoint stays public. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject } from '../support/clients.js';
import { expectError } from '../support/rest-fixtures.js';

// The /agent handshake's Origin check (FORBIDDEN) and token expiry are covered in test/realtime/agent-handshake.test.ts;
// what a foreign origin gets from CORS on REST (no Access-Control-Allow-Origin) in test/http/cors.test.ts.
describe('REST agent routes and Origin', () => {
  let t: TestApp;
  let listed: TestApp;
  const consoleOrigin = 'https://console.example.com';
  before(async () => {
    t = await startApp();
    listed = await startApp({ CORS_ORIGINS: consoleOrigin });
  });
  after(async () => {
    await t.close();
    await listed.close();
  });

  it('a foreign Origin with an agent token is refused FORBIDDEN, reads and writes alike, and nothing is written', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    for (const origin of ['https://evil.example', 'null', consoleOrigin, `${t.url}.evil.example`, 'http://127.0.0.1:1']) {
      const read = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token, headers: { origin } });
      expectError(read, 403, 'FORBIDDEN');
      expect(read.headers.get('access-control-allow-origin'), origin).to.equal(null);
      expectError(await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: 'Planted' }, headers: { origin } }), 403, 'FORBIDDEN');
      expectError(await api(t.url, 'PATCH', `/v1/projects/${projectId}`, { token: owner.token, body: { name: 'Defaced' }, headers: { origin } }), 403, 'FORBIDDEN');
    }
    const project = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token });
    expect(project.body.name).to.equal('Acme Support');
    expect(await t.deps.db.knex('projects').where({ name: 'Planted' })).to.deep.equal([]);
  });

  it('its own origin, no Origin at all (servers, curl), and CORS_ORIGINS are served', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token, headers: { origin: t.url } })).status).to.equal(200);
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token })).status).to.equal(200);

    const other = await ownerWithProject(listed.url);
    const res = await api(listed.url, 'GET', `/v1/projects/${other.projectId}`, { token: other.owner.token, headers: { origin: consoleOrigin } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('access-control-allow-origin')).to.equal(consoleOrigin);
    expectError(await api(listed.url, 'GET', `/v1/projects/${other.projectId}`, { token: other.owner.token, headers: { origin: 'https://evil.example' } }), 403, 'FORBIDDEN');
  });

  it('POST /v1/auth/anonymous stays open to every origin (the widget lives on customers\' sites)', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const res = await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId }, headers: { origin: 'https://shop.example' } });
    expect(res.status).to.equal(201);
    expect(res.headers.get('access-control-allow-origin')).to.equal('https://shop.example');
  });
});
