/**
 * Requests and responses are born with the app's prototypes (src/http/app-http-objects.ts), on
 * the app's own server and on the process's BootServer that hands its requests over, and Express
 * works on them as before: its methods, `req.app`, the request id (`req.log` is test/ops/logs.test.ts's).
 */
import http from 'node:http';
import { expect } from 'chai';
import express from 'express';
import { appHttpObjects } from '../../src/http/app-http-objects.js';
import { BootServer } from '../../src/ops/boot-server.js';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject } from '../support/clients.js';

/** The prototypes of each request and response the server emits, before any listener of the app sees them. */
function watchPrototypes(server: http.Server): { request: object | null; response: object | null }[] {
  const seen: { request: object | null; response: object | null }[] = [];
  server.prependListener('request', (req, res) => seen.push({ request: Object.getPrototypeOf(req), response: Object.getPrototypeOf(res) }));
  return seen;
}

describe('requests born with the app’s prototypes', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('the app’s server makes them with the app’s prototypes, and REST answers as before', async () => {
    const seen = watchPrototypes(t.app.server);
    const { owner, projectId } = await ownerWithProject(t.url);
    const res = await api(t.url, 'GET', `/v1/projects/${projectId}/leads?email=nobody@example.test`, { token: owner.token, headers: { 'x-request-id': 'born-1' } });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ data: [], nextCursor: null });
    expect(res.headers.get('x-request-id')).to.equal('born-1');
    expect(seen.length).to.be.greaterThan(0);
    // The app's own prototypes, which Express's setPrototypeOf would have given them anyway.
    const app = (seen[0]!.request as { app?: express.Express }).app!;
    expect(app.request).to.equal(seen[0]!.request);
    for (const prototypes of seen) {
      expect(prototypes.request).to.equal(app.request);
      expect(prototypes.response).to.equal(app.response);
    }
    // Still Node's objects underneath.
    expect(app.request).to.be.instanceOf(http.IncomingMessage);
    expect(app.response).to.be.instanceOf(http.ServerResponse);
  });

  it('the BootServer makes them with Node’s prototypes while starting and with the app’s once it serves it', async () => {
    const boot = new BootServer(t.deps);
    const port = await boot.listen(0);
    const url = `http://127.0.0.1:${port}`;
    const seen = watchPrototypes(boot.server);
    try {
      const starting = await fetch(`${url}/healthz`);
      expect(starting.status).to.equal(200);
      expect(seen[0]!.request).to.not.equal(null);
      expect(seen[0]!.request).to.be.instanceOf(http.IncomingMessage);
      // A second app built on the BootServer's classes, as main.ts does.
      const web = express();
      boot.httpObjects.adoptBy(web);
      web.get('/probe', (req, res) => {
        res.status(201).json({ app: req.app === web, ip: typeof req.ip, prototype: Object.getPrototypeOf(req) === web.request });
      });
      const handOver = http.createServer(boot.httpObjects.serverOptions, web);
      boot.serve({ server: handOver } as never);
      const served = await fetch(`${url}/probe`);
      expect(served.status).to.equal(201);
      expect(await served.json()).to.deep.equal({ app: true, ip: 'string', prototype: true });
      expect(seen.at(-1)!.request).to.equal(web.request);
      expect(seen.at(-1)!.response).to.equal(web.response);
    } finally {
      boot.cutConnections();
      await boot.stopAccepting();
    }
  });

  it('a pair of classes belongs to one app only', () => {
    const objects = appHttpObjects();
    objects.adoptBy(express());
    expect(() => objects.adoptBy(express())).to.throw(/already belong to an app/);
  });
});
