/** PATCH /v1/projects/:id and POST …/identity-secret: who may change a project's settings, and what changes. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ownerWithProject, signup } from '../support/clients.js';
import { detailPaths, expectError } from '../support/rest-fixtures.js';

const PROJECT_KEYS = ['id', 'name', 'createdAt', 'routing', 'defaultMaxConcurrent', 'prechatFields'];

describe('REST project settings', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  const patch = (projectId: string, token: string | undefined, body: unknown) => api(t.url, 'PATCH', `/v1/projects/${projectId}`, { token, body });
  const rotate = (projectId: string, token: string | undefined) => api(t.url, 'POST', `/v1/projects/${projectId}/identity-secret`, { token });
  const read = (projectId: string, token: string) => api(t.url, 'GET', `/v1/projects/${projectId}`, { token });

  describe('PATCH /v1/projects/:projectId', () => {
    it('lets the owner rename the project (trimmed) and answers the Project with its secret; GET sees the change', async () => {
      const { owner, projectId, project } = await ownerWithProject(t.url);
      const res = await patch(projectId, owner.token, { name: '  Acme Care  ' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.have.all.keys(...PROJECT_KEYS, 'identitySecret');
      expect(res.body).to.deep.equal({ ...project, name: 'Acme Care' });
      expect((await read(projectId, owner.token)).body).to.deep.equal(res.body);
    });

    it('lets an admin set routing and defaultMaxConcurrent; a plain agent then reads them without the secret', async () => {
      const { owner, projectId, project } = await ownerWithProject(t.url);
      const admin = await addAgent(t.url, owner.token, projectId, 'admin');
      const res = await patch(projectId, admin.token, { routing: 'pooled', defaultMaxConcurrent: 3 });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.equal({ ...project, routing: 'pooled', defaultMaxConcurrent: 3 });

      const agent = await addAgent(t.url, owner.token, projectId, 'agent');
      const seen = await read(projectId, agent.token);
      expect(seen.body).to.have.all.keys(...PROJECT_KEYS);
      expect(seen.body).to.include({ name: project.name, routing: 'pooled', defaultMaxConcurrent: 3 });

      // Back to the defaults: 0 (no limit) is a valid value.
      const back = await patch(projectId, owner.token, { routing: 'auto', defaultMaxConcurrent: 0 });
      expect(back.body).to.deep.equal(project);
    });

    it('changes nothing for an empty body or one with only unknown keys (the secret and id cannot be set this way)', async () => {
      const { owner, projectId, project } = await ownerWithProject(t.url);
      const empty = await patch(projectId, owner.token, {});
      expect(empty.status).to.equal(200);
      expect(empty.body).to.deep.equal(project);
      const noBody = await patch(projectId, owner.token, undefined);
      expect(noBody.status).to.equal(200);
      expect(noBody.body).to.deep.equal(project);
      const sneaky = await patch(projectId, owner.token, { identitySecret: 'chosen-by-me', id: randomUUID(), createdAt: '2000-01-01T00:00:00.000Z' });
      expect(sneaky.status).to.equal(200);
      expect(sneaky.body).to.deep.equal(project);
      expect((await read(projectId, owner.token)).body).to.deep.equal(project);
    });

    it('answers 400 naming each bad field, and writes nothing', async () => {
      const { owner, projectId, project } = await ownerWithProject(t.url);
      expect(detailPaths(await patch(projectId, owner.token, { name: '   ' }))).to.deep.equal(['name']);
      expect(detailPaths(await patch(projectId, owner.token, { name: 'x'.repeat(201) }))).to.deep.equal(['name']);
      expect(detailPaths(await patch(projectId, owner.token, { routing: 'round-robin' }))).to.deep.equal(['routing']);
      expect(detailPaths(await patch(projectId, owner.token, { defaultMaxConcurrent: -1 }))).to.deep.equal(['defaultMaxConcurrent']);
      expect(detailPaths(await patch(projectId, owner.token, { defaultMaxConcurrent: 1.5 }))).to.deep.equal(['defaultMaxConcurrent']);
      expect(detailPaths(await patch(projectId, owner.token, { defaultMaxConcurrent: '3' }))).to.deep.equal(['defaultMaxConcurrent']);
      expect(detailPaths(await patch(projectId, owner.token, { defaultMaxConcurrent: 1e12 }))).to.deep.equal(['defaultMaxConcurrent']);
      const all = detailPaths(await patch(projectId, owner.token, { name: '', routing: null, defaultMaxConcurrent: -5 }));
      expect([...all].sort()).to.deep.equal(['defaultMaxConcurrent', 'name', 'routing']);
      // A valid field next to a bad one is not written either.
      detailPaths(await patch(projectId, owner.token, { name: 'Half done', routing: 'sometimes' }));
      expect((await read(projectId, owner.token)).body).to.deep.equal(project);
    });

    it('is 403 for plain agents and non-members, 404 for an unknown or non-UUID project, 401 without a token', async () => {
      const { owner, projectId, project } = await ownerWithProject(t.url);
      const agent = await addAgent(t.url, owner.token, projectId, 'agent');
      const stranger = await signup(t.url, 'Stan Stranger');
      expectError(await patch(projectId, agent.token, { name: 'Mine now' }), 403, 'FORBIDDEN');
      expectError(await patch(projectId, stranger.token, { name: 'Mine now' }), 403, 'FORBIDDEN');
      // The role check comes before validation: an agent learns nothing about the schema.
      expectError(await patch(projectId, agent.token, { routing: 'bogus' }), 403, 'FORBIDDEN');
      expectError(await patch(randomUUID(), owner.token, { name: 'Ghost' }), 404, 'NOT_FOUND');
      expectError(await patch('not-a-uuid', owner.token, { name: 'Ghost' }), 404, 'NOT_FOUND');
      expectError(await patch(projectId, undefined, { name: 'Anon' }), 401, 'UNAUTHENTICATED');
      expect((await read(projectId, owner.token)).body).to.deep.equal(project);
    });
  });

  describe('POST /v1/projects/:projectId/identity-secret', () => {
    it('gives the owner a new random secret (201), which GET then shows; each rotation differs', async () => {
      const { owner, projectId, project } = await ownerWithProject(t.url);
      const first = await rotate(projectId, owner.token);
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.body).to.have.all.keys('identitySecret');
      expect(first.body.identitySecret).to.be.a('string').with.length.greaterThan(20);
      expect(first.body.identitySecret).to.not.equal(project.identitySecret);
      expect((await read(projectId, owner.token)).body).to.deep.equal({ ...project, identitySecret: first.body.identitySecret });

      const second = await rotate(projectId, owner.token);
      expect(second.status).to.equal(201);
      expect(second.body.identitySecret).to.not.equal(first.body.identitySecret);
    });

    it('lets an admin rotate; is 403 for plain agents and non-members, 404 for an unknown project, 401 without a token', async () => {
      const { owner, projectId } = await ownerWithProject(t.url);
      const admin = await addAgent(t.url, owner.token, projectId, 'admin');
      const byAdmin = await rotate(projectId, admin.token);
      expect(byAdmin.status).to.equal(201);
      expect((await read(projectId, owner.token)).body.identitySecret).to.equal(byAdmin.body.identitySecret);

      const agent = await addAgent(t.url, owner.token, projectId, 'agent');
      const stranger = await signup(t.url, 'Stan Stranger');
      for (const res of [await rotate(projectId, agent.token), await rotate(projectId, stranger.token)]) {
        expectError(res, 403, 'FORBIDDEN');
        expect(JSON.stringify(res.body)).to.not.include(byAdmin.body.identitySecret);
      }
      expectError(await rotate(randomUUID(), owner.token), 404, 'NOT_FOUND');
      expectError(await rotate(projectId, undefined), 401, 'UNAUTHENTICATED');
      // None of the refused calls rotated anything.
      expect((await read(projectId, owner.token)).body.identitySecret).to.equal(byAdmin.body.identitySecret);
    });

    it("rotating one project's secret leaves another project's alone", async () => {
      const a = await ownerWithProject(t.url);
      const b = await ownerWithProject(t.url);
      expect((await rotate(a.projectId, a.owner.token)).status).to.equal(201);
      expectError(await rotate(b.projectId, a.owner.token), 403, 'FORBIDDEN');
      expect((await read(b.projectId, b.owner.token)).body).to.deep.equal(b.project);
    });
  });
});
