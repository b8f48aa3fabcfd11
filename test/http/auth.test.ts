/** POST /v1/auth/signup, /login and /anonymous: shapes, conflicts, validation details, and the anonymous twin of the handshake. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ok, ownerWithProject, uniqueEmail } from '../support/clients.js';
import { detailPaths, expectError } from '../support/rest-fixtures.js';

const PASSWORD = 'correct horse battery';

describe('REST auth', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  describe('POST /v1/auth/signup', () => {
    it('answers 201 with { agent: { id, email, fullname }, token } and never a password hash; the token works', async () => {
      const email = uniqueEmail('signup');
      const res = await api(t.url, 'POST', '/v1/auth/signup', { body: { email, password: PASSWORD, fullname: 'Sam Signup' } });
      expect(res.status).to.equal(201);
      expect(res.body).to.have.all.keys('agent', 'token');
      expect(res.body.agent).to.have.all.keys('id', 'email', 'fullname');
      expect(res.body.agent).to.include({ email, fullname: 'Sam Signup' });
      expect(isUuid(res.body.agent.id) && uuidVersion(res.body.agent.id)).to.equal(4);
      expect(res.body.token).to.be.a('string').and.not.empty;
      const raw = JSON.stringify(res.body);
      expect(raw).to.not.match(/password|hash|argon/i);
      expect(raw).to.not.include(PASSWORD);

      const project = await api(t.url, 'POST', '/v1/projects', { token: res.body.token, body: { name: 'Mine' } });
      expect(project.status).to.equal(201);
    });

    it('is 409 CONFLICT when the email is already registered in another case', async () => {
      const email = uniqueEmail('taken');
      const first = await api(t.url, 'POST', '/v1/auth/signup', { body: { email, password: PASSWORD, fullname: 'First' } });
      expect(first.status).to.equal(201);
      const again = await api(t.url, 'POST', '/v1/auth/signup', { body: { email: email.toUpperCase(), password: 'another password', fullname: 'Second' } });
      expectError(again, 409, 'CONFLICT');
      // The first account is untouched.
      const login = await api(t.url, 'POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
      expect(login.status).to.equal(200);
      expect(login.body.agent).to.deep.equal(first.body.agent);
    });

    it('is 400 VALIDATION_FAILED naming the field: a short password, a bad email, a missing fullname', async () => {
      const shortPassword = await api(t.url, 'POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: 'seven77', fullname: 'Short' } });
      expect(detailPaths(shortPassword)).to.deep.equal(['password']);

      const badEmail = await api(t.url, 'POST', '/v1/auth/signup', { body: { email: 'not-an-email', password: PASSWORD, fullname: 'Bad' } });
      expect(detailPaths(badEmail)).to.deep.equal(['email']);

      const noName = await api(t.url, 'POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD } });
      expect(detailPaths(noName)).to.deep.equal(['fullname']);

      // Every issue is reported at once, not only the first.
      const allWrong = await api(t.url, 'POST', '/v1/auth/signup', { body: { email: 'nope', password: 'short' } });
      expect(detailPaths(allWrong)).to.have.members(['email', 'password', 'fullname']);
    });

    it('strips unknown keys instead of refusing them', async () => {
      const email = uniqueEmail('extra');
      const res = await api(t.url, 'POST', '/v1/auth/signup', { body: { email, password: PASSWORD, fullname: 'Extra', role: 'owner', isAdmin: true } });
      expect(res.status).to.equal(201);
      expect(res.body.agent).to.have.all.keys('id', 'email', 'fullname');
    });
  });

  describe('POST /v1/auth/login', () => {
    it('answers 200 with the same agent and a working token, whatever the case of the email', async () => {
      const email = uniqueEmail('login');
      const signup = await api(t.url, 'POST', '/v1/auth/signup', { body: { email, password: PASSWORD, fullname: 'Lena Login' } });
      const res = await api(t.url, 'POST', '/v1/auth/login', { body: { email: email.toUpperCase(), password: PASSWORD } });
      expect(res.status).to.equal(200);
      expect(res.body).to.have.all.keys('agent', 'token');
      expect(res.body.agent).to.deep.equal(signup.body.agent);
      expect(JSON.stringify(res.body)).to.not.match(/password|hash|argon/i);
      const project = await api(t.url, 'POST', '/v1/projects', { token: res.body.token, body: { name: 'Logged in' } });
      expect(project.status).to.equal(201);
    });

    it('is 401 UNAUTHENTICATED for a wrong password and for an unknown email, with the same body shape', async () => {
      const email = uniqueEmail('wrong');
      await api(t.url, 'POST', '/v1/auth/signup', { body: { email, password: PASSWORD, fullname: 'Wanda' } });
      const wrongPassword = await api(t.url, 'POST', '/v1/auth/login', { body: { email, password: 'incorrect horse' } });
      expectError(wrongPassword, 401, 'UNAUTHENTICATED');
      expect(wrongPassword.body.error).to.not.have.property('details');
      const unknown = await api(t.url, 'POST', '/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: PASSWORD } });
      expectError(unknown, 401, 'UNAUTHENTICATED');
      // The answer does not tell which of the two was wrong.
      expect(unknown.body.error.message).to.equal(wrongPassword.body.error.message);
    });
  });

  describe('POST /v1/auth/anonymous', () => {
    it('answers 201 { visitorId, token } for a real project; that token resumes the same visitor over /visitor', async () => {
      const { projectId } = await ownerWithProject(t.url);
      const res = await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId } });
      expect(res.status).to.equal(201);
      expect(res.body).to.have.all.keys('visitorId', 'token');
      expect(isUuid(res.body.visitorId) && uuidVersion(res.body.visitorId)).to.equal(4);

      const visitor = await t.connectVisitor(projectId, { token: res.body.token });
      expect(visitor.session.visitorId).to.equal(res.body.visitorId);
      expect(visitor.session.leadId).to.equal(null);
      const lead = await ok(visitor.socket, 'lead:update', { fullname: 'Rest Visitor' });
      expect(lead.visitorIds).to.deep.equal([res.body.visitorId]);
    });

    it('gives a new visitor on every call', async () => {
      const { projectId } = await ownerWithProject(t.url);
      const a = await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId } });
      const b = await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId } });
      expect(a.body.visitorId).to.not.equal(b.body.visitorId);
    });

    it('is 404 NOT_FOUND for an unknown project, a UUID or not', async () => {
      expectError(await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId: randomUUID() } }), 404, 'NOT_FOUND');
      expectError(await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId: 'acme' } }), 404, 'NOT_FOUND');
    });

    it('is 400 VALIDATION_FAILED without a projectId', async () => {
      expect(detailPaths(await api(t.url, 'POST', '/v1/auth/anonymous', { body: {} }))).to.deep.equal(['projectId']);
    });
  });
});
