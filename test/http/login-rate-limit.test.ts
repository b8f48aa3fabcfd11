/** RATE_LIMIT_LOGIN: failed logins per email and per client IP, X-Forwarded-For, across processes, with Redis down. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { signup, uniqueEmail } from '../support/clients.js';
import { expectError } from '../support/rest-fixtures.js';
import { usingRedis } from '../support/test-config.js';
import { expectRateLimited, freshIp, login, outcome, projectOf, visitorFrom, WRONG_PASSWORD as WRONG } from '../support/limit-fixtures.js';
import { clientIp } from '../../src/limits/client-ip.js';

const WINDOW = 15 * 60;

describe('failed-login limit', () => {
  describe('RATE_LIMIT_LOGIN=3, TRUST_PROXY=1', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp({ RATE_LIMIT_LOGIN: '3', TRUST_PROXY: '1' });
    });
    after(async () => {
      await t.close();
    });

    it('3 failures for one email, from any addresses, then 429 for it even with the right password; other emails log in', async () => {
      const victim = await signup(t.url);
      const other = await signup(t.url);
      for (let i = 0; i < 3; i++) expectError(await login(t, victim.email, WRONG, freshIp()), 401, 'UNAUTHENTICATED');
      const from = freshIp();
      expectRateLimited(await login(t, victim.email, victim.password, from), WINDOW);
      // The email counts case-insensitively, as accounts do.
      expectRateLimited(await login(t, victim.email.toUpperCase(), victim.password, freshIp()), WINDOW);
      expect((await login(t, other.email, other.password, from)).status).to.equal(200);
    });

    it('3 failures from one address, for any emails, then 429 from it; other addresses log in; a made-up X-Forwarded-For entry does not help', async () => {
      const account = await signup(t.url);
      const attacker = freshIp();
      for (let i = 0; i < 3; i++) expectError(await login(t, uniqueEmail('guess'), WRONG, attacker), 401, 'UNAUTHENTICATED');
      expectRateLimited(await login(t, account.email, account.password, attacker), WINDOW);
      // Only the address our proxy appended (the last one) counts, not what the client put before it.
      expectRateLimited(await login(t, account.email, account.password, `${freshIp()}, ${attacker}`), WINDOW);
      expect((await login(t, account.email, account.password, freshIp())).status).to.equal(200);
    });

    it('only failures count: successes never do, and attempts refused with 429 do not count against the email', async () => {
      const account = await signup(t.url);
      const ip = freshIp();
      for (let i = 0; i < 8; i++) expect((await login(t, account.email, account.password, ip)).status, `success #${i}`).to.equal(200);
      expectError(await login(t, account.email, WRONG, ip), 401, 'UNAUTHENTICATED');
      expect((await login(t, account.email, account.password, ip)).status).to.equal(200);
      expectError(await login(t, account.email, WRONG, ip), 401, 'UNAUTHENTICATED');
      expectError(await login(t, account.email, WRONG, ip), 401, 'UNAUTHENTICATED');
      expectRateLimited(await login(t, account.email, account.password, ip), WINDOW);

      // An address over its limit tries another email: refused, and that email's count is untouched.
      const blocked = freshIp();
      for (let i = 0; i < 3; i++) await login(t, uniqueEmail('guess'), WRONG, blocked);
      const bystander = await signup(t.url);
      for (let i = 0; i < 3; i++) expectRateLimited(await login(t, bystander.email, WRONG, blocked), WINDOW);
      for (let i = 0; i < 3; i++) expectError(await login(t, bystander.email, WRONG, freshIp()), 401, 'UNAUTHENTICATED');
      expectRateLimited(await login(t, bystander.email, WRONG, freshIp()), WINDOW);
    });

    it('guesses sent in parallel count too: of 12 at once, exactly 3 have their password checked', async () => {
      const account = await signup(t.url);
      const answers = await Promise.all(Array.from({ length: 12 }, () => login(t, account.email, WRONG, freshIp())));
      expect(answers.map((r) => r.status).sort()).to.deep.equal([...Array(3).fill(401), ...Array(9).fill(429)]);
    });
  });

  describe('without TRUST_PROXY', () => {
    let t: TestApp;
    before(async () => {
      // In memory (no Redis): every request really comes from 127.0.0.1, so keep the count to this app.
      t = await startApp({ RATE_LIMIT_LOGIN: '2', REDIS_URL: undefined });
    });
    after(async () => {
      await t.close();
    });

    it('X-Forwarded-For is ignored: every attempt counts against the peer address', async () => {
      expectError(await login(t, uniqueEmail('a'), WRONG, freshIp()), 401, 'UNAUTHENTICATED');
      expectError(await login(t, uniqueEmail('b'), WRONG, freshIp()), 401, 'UNAUTHENTICATED');
      expectRateLimited(await login(t, uniqueEmail('c'), WRONG, freshIp()), WINDOW);
    });
  });

  describe('at 0', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp({ RATE_LIMIT_LOGIN: '0', TRUST_PROXY: '1' });
    });
    after(async () => {
      await t.close();
    });

    it('is off: 15 failed logins for one email from one address are all 401, and the right password then works', async function () {
      this.timeout(60_000);
      const account = await signup(t.url);
      const ip = freshIp();
      for (let i = 0; i < 15; i++) expectError(await login(t, account.email, WRONG, ip), 401, 'UNAUTHENTICATED');
      expect((await login(t, account.email, account.password, ip)).status).to.equal(200);
    });
  });

  describe('the client address a limit counts', () => {
    it('is the peer, or with TRUST_PROXY the last X-Forwarded-For entry; IPv4-mapped as IPv4, IPv6 by its /64', () => {
      expect(clientIp('127.0.0.1', '203.0.113.9', false)).to.equal('127.0.0.1');
      expect(clientIp('127.0.0.1', '203.0.113.9', true)).to.equal('203.0.113.9');
      expect(clientIp('127.0.0.1', '198.51.100.1, 203.0.113.9', true)).to.equal('203.0.113.9');
      expect(clientIp('127.0.0.1', ['198.51.100.1', '203.0.113.9'], true)).to.equal('203.0.113.9');
      expect(clientIp('127.0.0.1', 'not an address', true)).to.equal('127.0.0.1');
      expect(clientIp('127.0.0.1', undefined, true)).to.equal('127.0.0.1');
      expect(clientIp('::ffff:192.0.2.7', undefined, false)).to.equal('192.0.2.7');
      expect(clientIp('10.0.0.1', '::ffff:192.0.2.7', true)).to.equal('192.0.2.7');
      const sameSubnet = ['2001:db8:1:2:3:4:5:6', '2001:0db8:0001:0002::9', '2001:DB8:1:2::'].map((a) => clientIp(a, undefined, false));
      expect(new Set(sameSubnet)).to.deep.equal(new Set(['2001:db8:1:2::/64']));
      expect(clientIp('2001:db8:1:3::1', undefined, false)).to.equal('2001:db8:1:3::/64');
      expect(clientIp('::1', undefined, false)).to.equal('0:0:0:0::/64');
      expect(clientIp('fe80::1%eth0', undefined, false)).to.equal('fe80:0:0:0::/64');
      expect(clientIp('64:ff9b::192.0.2.1', undefined, false)).to.equal('64:ff9b:0:0::/64');
    });
  });

  if (usingRedis()) {
    describe('across processes (Redis)', () => {
      let t1: TestApp;
      let t2: TestApp;
      before(async () => {
        t1 = await startApp({ RATE_LIMIT_LOGIN: '3', TRUST_PROXY: '1' });
        t2 = await startApp({ RATE_LIMIT_LOGIN: '3', TRUST_PROXY: '1' });
      });
      after(async () => {
        await t1.close();
        await t2.close();
      });

      it('failures on app 1 and app 2 add up, per email and per address, in Redis under pingstreams:rl:', async () => {
        const account = await signup(t1.url);
        expectError(await login(t1, account.email, WRONG, freshIp()), 401, 'UNAUTHENTICATED');
        expectError(await login(t2, account.email, WRONG, freshIp()), 401, 'UNAUTHENTICATED');
        expectError(await login(t1, account.email, WRONG, freshIp()), 401, 'UNAUTHENTICATED');
        expectRateLimited(await login(t2, account.email, account.password, freshIp()), WINDOW);

        const ip = freshIp();
        expectError(await login(t2, uniqueEmail('x'), WRONG, ip), 401, 'UNAUTHENTICATED');
        expectError(await login(t1, uniqueEmail('y'), WRONG, ip), 401, 'UNAUTHENTICATED');
        expectError(await login(t2, uniqueEmail('z'), WRONG, ip), 401, 'UNAUTHENTICATED');
        expectRateLimited(await login(t1, account.email, account.password, ip), WINDOW);

        const redis = t1.deps.redis!.commands;
        expect(Number(await redis.get(`pingstreams:rl:login-email:${account.email.toLowerCase()}`))).to.be.at.least(3);
        expect(Number(await redis.get(`pingstreams:rl:login-ip:${ip}`))).to.be.at.least(3);
        expect(await redis.pttl(`pingstreams:rl:login-ip:${ip}`)).to.be.within(1, WINDOW * 1000);
      });
    });

    describe('with Redis unreachable (this app loses its Redis connection)', () => {
      let t: TestApp;
      before(async () => {
        t = await startApp({ RATE_LIMIT_LOGIN: '2', RATE_LIMIT_HANDSHAKE: '1', TRUST_PROXY: '1' });
      });
      after(async () => {
        await t.deps.redis!.commands.connect().catch(() => {});
        await t.close();
      });

      it('logins and handshakes are still answered at once (never 500), each process counting in memory meanwhile', async () => {
        const account = await signup(t.url);
        const projectId = await projectOf(t, account.token);
        t.deps.redis!.commands.disconnect();
        const ip = freshIp();
        const started = Date.now();
        expectError(await login(t, account.email, WRONG, ip), 401, 'UNAUTHENTICATED');
        expectError(await login(t, account.email, WRONG, ip), 401, 'UNAUTHENTICATED');
        expectRateLimited(await login(t, account.email, account.password, ip), WINDOW);
        expectRateLimited(await login(t, account.email, account.password, freshIp()), WINDOW); // the email's count
        expect((await outcome(visitorFrom(t, projectId, ip))).session).to.be.an('object');
        expect((await outcome(visitorFrom(t, projectId, ip))).refused).to.equal('RATE_LIMITED');
        // Decided without waiting for reconnect attempts.
        expect(Date.now() - started).to.be.below(10_000);
      });
    });
  }
});
