/** /agent handshakes: token, membership, project, Origin, and sockets that outlive their token. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ok, ownerWithProject } from '../support/clients.js';
import { accepted, refusal } from '../support/tokens.js';

describe('agent handshake', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('a member with a valid token connects and can issue commands', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId);
    const socket = await t.connectAgent(agent.token, projectId);
    expect(await ok(socket, 'conversation:list', {})).to.deep.equal([]);
  });

  it('a bad, a missing, or a visitor token: UNAUTHENTICATED', async () => {
    const { projectId } = await ownerWithProject(t.url);
    const { session } = await t.connectVisitor(projectId);
    expect(await refusal(t.rawSocket('/agent', { token: 'not-a-token', projectId }))).to.equal('UNAUTHENTICATED');
    expect(await refusal(t.rawSocket('/agent', { projectId }))).to.equal('UNAUTHENTICATED');
    expect(await refusal(t.rawSocket('/agent', { token: '', projectId }))).to.equal('UNAUTHENTICATED');
    expect(await refusal(t.rawSocket('/agent', { token: session.token, projectId }))).to.equal('UNAUTHENTICATED');
  });

  it('an agent of another project: FORBIDDEN; an unknown project: NOT_FOUND', async () => {
    const { projectId: p1 } = await ownerWithProject(t.url);
    const { owner: stranger } = await ownerWithProject(t.url);
    expect(await refusal(t.rawSocket('/agent', { token: stranger.token, projectId: p1 }))).to.equal('FORBIDDEN');
    expect(await refusal(t.rawSocket('/agent', { token: stranger.token, projectId: randomUUID() }))).to.equal('NOT_FOUND');
    expect(await refusal(t.rawSocket('/agent', { token: stranger.token, projectId: 'acme' }))).to.equal('NOT_FOUND');
  });

  it('a foreign Origin: FORBIDDEN; its own origin is fine', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const evil = t.rawSocket('/agent', { token: owner.token, projectId }, { extraHeaders: { origin: 'https://evil.example' } });
    expect(await refusal(evil)).to.equal('FORBIDDEN');
    const unlisted = t.rawSocket('/agent', { token: owner.token, projectId }, { extraHeaders: { origin: 'https://console.example.com' } });
    expect(await refusal(unlisted)).to.equal('FORBIDDEN');
    const same = t.rawSocket('/agent', { token: owner.token, projectId }, { extraHeaders: { origin: t.url } });
    await accepted(same);
    expect(await ok(same, 'conversation:list', {})).to.deep.equal([]);
  });

  describe('with CORS_ORIGINS', () => {
    let c: TestApp;
    before(async () => {
      c = await startApp({ CORS_ORIGINS: 'https://console.example.com' });
    });
    after(async () => {
      await c.close();
    });

    it('accepts the listed origin and still refuses others', async () => {
      const { owner, projectId } = await ownerWithProject(c.url);
      const listed = c.rawSocket('/agent', { token: owner.token, projectId }, { extraHeaders: { origin: 'https://console.example.com' } });
      await accepted(listed);
      expect(await ok(listed, 'conversation:list', {})).to.deep.equal([]);
      const evil = c.rawSocket('/agent', { token: owner.token, projectId }, { extraHeaders: { origin: 'https://evil.example' } });
      expect(await refusal(evil)).to.equal('FORBIDDEN');
      // The visitor side takes any origin: the widget lives on customers' sites.
      const widget = c.rawSocket('/visitor', { projectId }, { extraHeaders: { origin: 'https://shop.customer.example' } });
      const session = await new Promise<any>((resolve, reject) => {
        widget.once('session', resolve);
        widget.once('connect_error', reject);
      });
      expect(session.visitorId).to.be.a('string');
    });
  });

  describe('token expiry', () => {
    let short: TestApp;
    before(async () => {
      short = await startApp({ AGENT_TOKEN_TTL: '2s' });
    });
    after(async () => {
      await short.close();
    });

    it('disconnects a socket when its token expires, and refuses the token afterwards', async function () {
      this.timeout(20_000);
      const { owner, projectId } = await ownerWithProject(t.url);
      const login = await api(short.url, 'POST', '/v1/auth/login', { body: { email: owner.email, password: owner.password } });
      expect(login.status).to.equal(200);
      const { exp, iat } = decodeJwt(login.body.token);
      expect(exp! - iat!).to.equal(2);

      const socket = await short.connectAgent(login.body.token, projectId);
      const reason = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('still connected 5 s after the expiry')), exp! * 1000 + 5_000 - Date.now());
        socket.once('disconnect', (why: string) => {
          clearTimeout(timer);
          resolve(why);
        });
      });
      expect(reason).to.equal('io server disconnect');
      // Not before the token's time is up.
      expect(Date.now()).to.be.at.least(exp! * 1000 - 200);
      expect(await refusal(short.rawSocket('/agent', { token: login.body.token, projectId }))).to.equal('UNAUTHENTICATED');
    });
  });
});
