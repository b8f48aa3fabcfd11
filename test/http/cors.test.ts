/** CORS on REST: the widget's anonymous endpoint from any origin; the agent side only from CORS_ORIGINS. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject } from '../support/clients.js';

const preflight = (t: TestApp, path: string, origin: string, method = 'POST') =>
  api(t.url, 'OPTIONS', path, {
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
  });

const allowOrigin = (res: { headers: Headers }) => res.headers.get('access-control-allow-origin');

describe('REST CORS', () => {
  describe('by default', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp();
    });
    after(async () => {
      await t.close();
    });

    it('POST /v1/auth/anonymous is open to any origin: the preflight and the answer echo it', async () => {
      const { projectId } = await ownerWithProject(t.url);
      for (const origin of ['https://shop.example', 'http://localhost:8080']) {
        const pre = await preflight(t, '/v1/auth/anonymous', origin);
        expect(pre.status).to.be.within(200, 204);
        expect(allowOrigin(pre)).to.equal(origin);
        expect(pre.headers.get('access-control-allow-methods') ?? '').to.include('POST');
        expect((pre.headers.get('access-control-allow-headers') ?? '').toLowerCase()).to.include('content-type');
        expect(pre.headers.get('vary') ?? '').to.match(/origin/i);

        const res = await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId }, headers: { origin } });
        expect(res.status).to.equal(201);
        expect(allowOrigin(res)).to.equal(origin);
      }
    });

    it('agent endpoints give a foreign origin no Access-Control-Allow-Origin', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const origin = 'https://evil.example';
      for (const path of ['/v1/auth/login', '/v1/auth/signup', '/v1/projects', `/v1/projects/${projectId}/leads`]) {
        const pre = await preflight(t, path, origin, path.endsWith('leads') ? 'GET' : 'POST');
        expect(allowOrigin(pre), path).to.equal(null);
      }
      const res = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token, headers: { origin } });
      expect(allowOrigin(res)).to.equal(null);
      const login = await api(t.url, 'POST', '/v1/auth/login', { body: { email: owner.email, password: owner.password }, headers: { origin } });
      expect(allowOrigin(login)).to.equal(null);
      // Nor are credentials offered to it.
      expect(res.headers.get('access-control-allow-credentials')).to.equal(null);
    });
  });

  describe('with CORS_ORIGINS', () => {
    let t: TestApp;
    const consoleOrigin = 'https://console.example.com';
    before(async () => {
      t = await startApp({ CORS_ORIGINS: consoleOrigin });
    });
    after(async () => {
      await t.close();
    });

    it('that origin may call the agent endpoints; other origins still may not', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const pre = await preflight(t, '/v1/auth/login', consoleOrigin);
      expect(allowOrigin(pre)).to.equal(consoleOrigin);
      expect((pre.headers.get('access-control-allow-headers') ?? '').toLowerCase()).to.include('authorization');

      const res = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token, headers: { origin: consoleOrigin } });
      expect(res.status).to.equal(200);
      expect(allowOrigin(res)).to.equal(consoleOrigin);

      for (const other of ['https://evil.example', 'https://console.example.com.evil.example', 'http://console.example.com']) {
        expect(allowOrigin(await preflight(t, '/v1/auth/login', other)), other).to.equal(null);
      }
      // The widget's endpoint stays open to everyone.
      expect(allowOrigin(await preflight(t, '/v1/auth/anonymous', 'https://shop.example'))).to.equal('https://shop.example');
    });
  });
});
