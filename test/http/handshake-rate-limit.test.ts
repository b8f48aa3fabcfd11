/** RATE_LIMIT_HANDSHAKE: new anonymous visitors per client IP a minute, over /visitor and POST /v1/auth/anonymous alike. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, signup } from '../support/clients.js';
import { usingRedis } from '../support/test-config.js';
import { anonymous, expectRateLimited, freshIp, outcome, projectOf, visitorFrom } from '../support/limit-fixtures.js';

const WINDOW = 60;

describe('new-visitor limit', () => {
  describe('RATE_LIMIT_HANDSHAKE=3, TRUST_PROXY=1', () => {
    let t: TestApp;
    let projectId: string;
    before(async () => {
      t = await startApp({ RATE_LIMIT_HANDSHAKE: '3', TRUST_PROXY: '1' });
      projectId = await projectOf(t, (await signup(t.url)).token);
    });
    after(async () => {
      await t.close();
    });

    it('the 4th new visitor from one address in a minute is refused RATE_LIMITED (saying when to retry); returning visitors and other addresses are not', async () => {
      const ip = freshIp();
      const first = await outcome(visitorFrom(t, projectId, ip));
      for (let i = 0; i < 2; i++) expect((await outcome(visitorFrom(t, projectId, ip))).session, `visitor #${i + 2}`).to.be.an('object');
      const refused = await outcome(visitorFrom(t, projectId, ip));
      expect(refused.refused).to.equal('RATE_LIMITED');
      expect(refused.data.code).to.equal('RATE_LIMITED');
      expect(refused.data.details.retryAfterSeconds).to.be.within(1, WINDOW);
      expect(refused.data.details.retryAfterMs).to.be.within(1, WINDOW * 1000);

      // A returning visitor mints nothing: it is neither counted nor refused.
      const again = await outcome(visitorFrom(t, projectId, ip, first.session.token));
      expect(again.session.visitorId).to.equal(first.session.visitorId);
      // Its REST twin shares the count.
      expectRateLimited(await anonymous(t, projectId, ip), WINDOW);
      // Another address is on its own count.
      expect((await outcome(visitorFrom(t, projectId, freshIp()))).session).to.be.an('object');
      // An unknown project is NOT_FOUND, as before, not RATE_LIMITED.
      const unknown = t.rawSocket('/visitor', { projectId: '00000000-0000-4000-8000-000000000000' }, { extraHeaders: { 'x-forwarded-for': ip } });
      expect((await outcome(unknown)).refused).to.equal('NOT_FOUND');
    });

    it('POST /v1/auth/anonymous counts as a handshake: 3 of them, then the socket is refused, and the REST call answers 429', async () => {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) expect((await anonymous(t, projectId, ip)).status).to.equal(201);
      expect((await outcome(visitorFrom(t, projectId, ip))).refused).to.equal('RATE_LIMITED');
      expectRateLimited(await anonymous(t, projectId, ip), WINDOW);
      // The widget's page (another origin) can read when to retry.
      const fromPage = await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId }, headers: { 'x-forwarded-for': ip, origin: 'https://shop.example' } });
      expect(fromPage.status).to.equal(429);
      expect(fromPage.headers.get('access-control-expose-headers')).to.match(/retry-after/i);
    });
  });

  describe('without TRUST_PROXY', () => {
    let t: TestApp;
    before(async () => {
      // In memory (no Redis): every handshake really comes from 127.0.0.1, so keep the count to this app.
      t = await startApp({ RATE_LIMIT_HANDSHAKE: '2', REDIS_URL: undefined });
    });
    after(async () => {
      await t.close();
    });

    it('X-Forwarded-For is ignored: every new visitor counts against the peer address', async () => {
      const projectId = await projectOf(t, (await signup(t.url)).token);
      expect((await outcome(visitorFrom(t, projectId, freshIp()))).session).to.be.an('object');
      expect((await anonymous(t, projectId, freshIp())).status).to.equal(201);
      expect((await outcome(visitorFrom(t, projectId, freshIp()))).refused).to.equal('RATE_LIMITED');
    });
  });

  describe('at 0', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp({ RATE_LIMIT_HANDSHAKE: '0', TRUST_PROXY: '1' });
    });
    after(async () => {
      await t.close();
    });

    it('is off: 65 new visitors from one address in a minute (more than the default 60) are all 201', async function () {
      this.timeout(60_000);
      const projectId = await projectOf(t, (await signup(t.url)).token);
      const ip = freshIp();
      for (let i = 0; i < 65; i++) expect((await anonymous(t, projectId, ip)).status, `visitor #${i + 1}`).to.equal(201);
    });
  });

  if (usingRedis()) {
    describe('across processes (Redis)', () => {
      let t1: TestApp;
      let t2: TestApp;
      before(async () => {
        t1 = await startApp({ RATE_LIMIT_HANDSHAKE: '3', TRUST_PROXY: '1' });
        t2 = await startApp({ RATE_LIMIT_HANDSHAKE: '3', TRUST_PROXY: '1' });
      });
      after(async () => {
        await t1.close();
        await t2.close();
      });

      it('new visitors on app 1 and app 2 add up per address, in Redis under pingstreams:rl:', async () => {
        const projectId = await projectOf(t1, (await signup(t1.url)).token);
        const ip = freshIp();
        expect((await outcome(visitorFrom(t1, projectId, ip))).session).to.be.an('object');
        expect((await outcome(visitorFrom(t2, projectId, ip))).session).to.be.an('object');
        expect((await anonymous(t2, projectId, ip)).status).to.equal(201);
        expect((await outcome(visitorFrom(t1, projectId, ip))).refused).to.equal('RATE_LIMITED');
        expectRateLimited(await anonymous(t2, projectId, ip), WINDOW);
        expect(await t1.deps.redis!.commands.pttl(`pingstreams:rl:handshake-ip:${ip}`)).to.be.within(1, WINDOW * 1000);
      });
    });
  }
});
