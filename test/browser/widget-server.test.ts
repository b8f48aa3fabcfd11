/**
 * What the server does for the widget, without a browser: serving the built pages (and saying
 * so when they are not built), the size budget, the project's pre-chat fields and the public
 * widget-config that hands them to any site.
 */
import { expect } from 'chai';
import express from 'express';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { errorHandler } from '../../src/http/errors.js';
import { webRoutes } from '../../src/http/web.routes.js';
import { ensurePagesBuilt } from '../support/browser.js';
import { addAgent, api, ownerWithProject } from '../support/clients.js';
import { detailPaths, expectError } from '../support/rest-fixtures.js';
import { PROJECT_ROOT } from '../support/spawn-server.js';
import { startApp, type TestApp } from '../support/start-app.js';

/** ../shared/spec/ui.md: widget.js, Socket.IO client included. */
const BUDGET_GZIPPED_BYTES = 60 * 1024;

describe('widget: what the server serves', function () {
  this.timeout(60_000);
  let t: TestApp;
  before(async () => {
    ensurePagesBuilt();
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it(`widget.js is at most ${BUDGET_GZIPPED_BYTES / 1024} KB gzipped, Socket.IO client included`, () => {
    const bundle = fs.readFileSync(path.join(PROJECT_ROOT, 'dist', 'public', 'widget.js'));
    const gzipped = zlib.gzipSync(bundle).length;
    expect(gzipped, `${gzipped} bytes gzipped`).to.be.at.most(BUDGET_GZIPPED_BYTES);
    // The Socket.IO client really is inside (not loaded from elsewhere).
    expect(bundle.toString()).to.include('EIO');
  });

  it('GET /widget.js: JavaScript any site may load (cross-origin resource policy), cached briefly and revalidated', async () => {
    const res = await api(t.url, 'GET', '/widget.js', { headers: { origin: 'https://customer.example' } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/javascript/);
    expect(res.headers.get('cross-origin-resource-policy')).to.equal('cross-origin');
    expect(res.headers.get('cache-control')).to.equal('public, max-age=300');
    const etag = res.headers.get('etag');
    expect(etag).to.be.a('string');
    // Not fetch: with a conditional header it adds `Cache-Control: no-cache`, which asks for the whole file.
    const revalidated = await new Promise<number | undefined>((resolve, reject) =>
      http.get(`${t.url}/widget.js`, { headers: { 'if-none-match': etag! } }, (r) => resolve(r.resume().statusCode)).on('error', reject),
    );
    expect(revalidated).to.equal(304);
  });

  it('GET /demo?projectId= is a host page with the one script tag; a projectId that is not a UUID is refused', async () => {
    const projectId = randomUUID();
    const res = await api(t.url, 'GET', `/demo?projectId=${projectId}`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(res.body).to.include(`<script src="/widget.js" data-project-id="${projectId}"></script>`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).to.include("script-src 'self'").and.include("connect-src 'self'").and.not.include('upgrade-insecure-requests');

    const hostile = await api(t.url, 'GET', `/demo?projectId=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(detailPaths(hostile)).to.deep.equal(['projectId']);
    expect(detailPaths(await api(t.url, 'GET', '/demo'))).to.deep.equal(['projectId']);
  });

  it('GET /console is the console shell loading /console.js, which is served', async () => {
    const page = await api(t.url, 'GET', '/console');
    expect(page.status).to.equal(200);
    expect(page.body).to.include('<div id="app"></div>').and.include('<script src="/console.js" defer></script>');
    const script = await api(t.url, 'GET', '/console.js');
    expect(script.status).to.equal(200);
    expect(script.headers.get('content-type')).to.match(/^application\/javascript/);
  });

  it('answers 503 "run npm run build" while the pages are not built', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-unbuilt-'));
    const web = express().use(webRoutes({ publicDir: empty })).use(errorHandler(pino({ level: 'silent' })));
    const server = web.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const page of ['/widget.js', '/console', '/console.js', `/demo?projectId=${randomUUID()}`]) {
        const res = await api(url, 'GET', page);
        expectError(res, 503, 'UNAVAILABLE');
        expect(res.body.error.message, page).to.include('npm run build');
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  describe('pre-chat fields', () => {
    it('owners set them with PATCH /v1/projects/:id; every member sees them; the widget reads them without a token, from any origin', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const initial = await api(t.url, 'GET', `/v1/projects/${projectId}/widget-config`);
      expect(initial.status).to.equal(200);
      expect(initial.body).to.deep.equal({ prechatFields: [] });

      const fields = [{ key: 'company', label: '  Company ', required: true }, { key: 'order_no', label: 'Order number' }];
      const patched = await api(t.url, 'PATCH', `/v1/projects/${projectId}`, { token: owner.token, body: { prechatFields: fields } });
      expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
      const expected = [{ key: 'company', label: 'Company', required: true }, { key: 'order_no', label: 'Order number', required: false }];
      expect(patched.body.prechatFields).to.deep.equal(expected);

      const agent = await addAgent(t.url, owner.token, projectId);
      const seen = await api(t.url, 'GET', `/v1/projects/${projectId}`, { token: agent.token });
      expect(seen.body.prechatFields).to.deep.equal(expected);
      expect(seen.body).to.not.have.property('identitySecret');

      const fromSite = await api(t.url, 'GET', `/v1/projects/${projectId}/widget-config`, { headers: { origin: 'https://customer.example' } });
      expect(fromSite.status).to.equal(200);
      expect(fromSite.body).to.deep.equal({ prechatFields: expected });
      expect(fromSite.headers.get('access-control-allow-origin')).to.equal('https://customer.example');
      const preflight = await api(t.url, 'OPTIONS', `/v1/projects/${projectId}/widget-config`, { headers: { origin: 'https://customer.example', 'access-control-request-method': 'GET' } });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get('access-control-allow-origin')).to.equal('https://customer.example');

      // An empty list removes them; leaving the field out keeps them.
      await api(t.url, 'PATCH', `/v1/projects/${projectId}`, { token: owner.token, body: { name: 'Renamed' } });
      expect((await api(t.url, 'GET', `/v1/projects/${projectId}/widget-config`)).body.prechatFields).to.deep.equal(expected);
      await api(t.url, 'PATCH', `/v1/projects/${projectId}`, { token: owner.token, body: { prechatFields: [] } });
      expect((await api(t.url, 'GET', `/v1/projects/${projectId}/widget-config`)).body.prechatFields).to.deep.equal([]);
    });

    it('refuses bad lists naming each bad field, and plain agents', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const patch = (body: unknown, token = owner.token) => api(t.url, 'PATCH', `/v1/projects/${projectId}`, { token, body });
      const label = 'Field';
      expect(detailPaths(await patch({ prechatFields: [{ key: 'a', label }, { key: 'a', label }] }))).to.deep.equal(['prechatFields.1.key']);
      expect(detailPaths(await patch({ prechatFields: [{ key: '__proto__', label }] }))).to.deep.equal(['prechatFields.0.key']);
      expect(detailPaths(await patch({ prechatFields: [{ key: 'has space', label }] }))).to.deep.equal(['prechatFields.0.key']);
      expect(detailPaths(await patch({ prechatFields: [{ key: 'ok', label: '   ' }] }))).to.deep.equal(['prechatFields.0.label']);
      expect(detailPaths(await patch({ prechatFields: [{ key: 'ok', label, required: 'yes' }] }))).to.deep.equal(['prechatFields.0.required']);
      expect(detailPaths(await patch({ prechatFields: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, label })) }))).to.deep.equal(['prechatFields']);
      expect(detailPaths(await patch({ prechatFields: 'company' }))).to.deep.equal(['prechatFields']);
      const agent = await addAgent(t.url, owner.token, projectId);
      expectError(await patch({ prechatFields: [] }, agent.token), 403, 'FORBIDDEN');
      expect((await api(t.url, 'GET', `/v1/projects/${projectId}/widget-config`)).body.prechatFields).to.deep.equal([]);
    });

    it('widget-config of an unknown project, or of an id that is not a UUID, is 404', async () => {
      expectError(await api(t.url, 'GET', `/v1/projects/${randomUUID()}/widget-config`), 404, 'NOT_FOUND');
      expectError(await api(t.url, 'GET', '/v1/projects/not-a-uuid/widget-config'), 404, 'NOT_FOUND');
    });
  });
});
