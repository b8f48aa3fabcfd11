/** Webhook URLs may not reach private addresses (SSRF): refused when saved, after DNS, and at connect time. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject } from '../support/clients.js';
import { expectError } from '../support/rest-fixtures.js';
import { isPrivateAddress } from '../../src/integrations/url-guard.js';
import { sendWebhook } from '../../src/integrations/webhook-sender.js';
import { Receiver } from './receiver.js';

describe('webhook URL guard', () => {
  let t: TestApp;

  before(async () => {
    t = await startApp({ WEBHOOK_ALLOW_PRIVATE: '0' });
  });
  after(async () => {
    await t.close();
  });

  it('refuses private, loopback, link-local, CGNAT and metadata addresses without WEBHOOK_ALLOW_PRIVATE', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const create = (url: string) => api(t.url, 'POST', `/v1/projects/${projectId}/webhooks`, { token: owner.token, body: { url, events: ['lead.created'] } });
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost:8080/hook', // only after DNS resolution
      'http://10.1.2.3/hook',
      'http://172.16.0.1/hook',
      'http://192.168.1.1/hook',
      'http://100.64.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[fd00:ec2::254]/hook',
      'http://[fe80::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0.0.0.0/hook',
      'ftp://example.com/hook',
      'file:///etc/passwd',
      'not a url',
    ]) {
      const res = await create(url);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.error.details[0].path, url).to.equal('url');
    }
    // PATCH is checked the same way.
    const hook = await api(t.url, 'POST', `/v1/projects/${projectId}/webhooks`, { token: owner.token, body: { url: 'https://93.184.215.14/hook', events: ['lead.created'] } });
    expect(hook.status).to.equal(201);
    expectError(await api(t.url, 'PATCH', `/v1/projects/${projectId}/webhooks/${hook.body.id}`, { token: owner.token, body: { url: 'http://127.0.0.1/x' } }), 400, 'VALIDATION_FAILED');
  });

  it('classifies addresses', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '100.100.1.1', '::1', 'fd00:ec2::254', '::ffff:10.0.0.1', 'fe80::1']) expect(isPrivateAddress(a), a).to.equal(true);
    for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700::1111']) expect(isPrivateAddress(a), a).to.equal(false);
  });

  it('refuses again at connect time: a name that resolves to loopback never gets the request', async () => {
    const receiver = await new Receiver().start();
    try {
      const result = await sendWebhook({ url: `http://localhost:${receiver.port}/hook`, secret: 's' }, 'e1', '{}', false);
      expect(result.ok).to.equal(false);
      expect(result.error).to.match(/private/);
      const literal = await sendWebhook({ url: `http://127.0.0.1:${receiver.port}/hook`, secret: 's' }, 'e2', '{}', false);
      expect(literal.error).to.match(/private/);
      expect(receiver.requests).to.have.length(0);
      // With the flag, the same request goes through.
      expect((await sendWebhook({ url: `http://localhost:${receiver.port}/hook`, secret: 's' }, 'e3', '{}', true)).ok).to.equal(true);
      expect(receiver.requests).to.have.length(1);
    } finally {
      await receiver.stop();
    }
  });
});
