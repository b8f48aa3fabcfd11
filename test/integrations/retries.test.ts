/** Failed deliveries are retried on the (shortened) schedule, every attempt is logged, and give up after WEBHOOK_MAX_AGE. */
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject } from '../support/clients.js';
import { pruneOutbox } from '../../src/integrations/delivery.store.js';
import { eventually, Receiver, WEBHOOK_TEST_ENV } from './receiver.js';

describe('webhook retries and the delivery log', () => {
  let t: TestApp;
  let receiver: Receiver;

  before(async () => {
    t = await startApp({ ...WEBHOOK_TEST_ENV, WEBHOOK_MAX_AGE: '4s' });
    receiver = await new Receiver().start();
  });
  after(async () => {
    await t.close();
    await receiver.stop();
  });

  async function hookedProject(url = receiver.url) {
    const { owner, projectId } = await ownerWithProject(t.url);
    const hook = await api(t.url, 'POST', `/v1/projects/${projectId}/webhooks`, { token: owner.token, body: { url, events: ['lead.created', 'lead.updated'] } });
    expect(hook.status).to.equal(201);
    const log = (query = '') => api(t.url, 'GET', `/v1/projects/${projectId}/webhooks/${hook.body.id}/deliveries${query}`, { token: owner.token });
    return { owner, projectId, hook: hook.body, log };
  }

  it('a receiver that fails 3 times gets the event on the 4th attempt; the log shows each attempt', async () => {
    const { owner, projectId, log } = await hookedProject();
    receiver.failures = 3;
    const lead = (await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: 'Retry Me' } })).body;
    await eventually(() => receiver.delivered.some((r) => r.body.data.id === lead.id), 'the delivery after 3 failures');
    const attempts = receiver.requests.filter((r) => r.body.data.id === lead.id);
    expect(attempts.map((r) => r.answered)).to.deep.equal([503, 503, 503, 200]);
    expect(new Set(attempts.map((r) => r.body.id)).size).to.equal(1);
    // The waits follow the schedule (0.2 s, 0.4 s, then 0.4 s again): later attempts are spaced out.
    await eventually(async () => (await log()).body.data[0]?.status === 'delivered', 'the log to say delivered');
    const [delivery] = (await log()).body.data;
    expect(delivery).to.include({ status: 'delivered', attempts: 4, responseStatus: 200, lastError: null, nextAttemptAt: null, type: 'lead.created' });
    expect(delivery.deliveredAt).to.be.a('string');
    expect(delivery.attemptLog.map((a: any) => a.responseStatus)).to.deep.equal([503, 503, 503, 200]);
    expect(delivery.attemptLog.slice(0, 3).map((a: any) => a.error)).to.deep.equal(['HTTP 503', 'HTTP 503', 'HTTP 503']);
    const times = delivery.attemptLog.map((a: any) => Date.parse(a.at));
    expect(times[1] - times[0]).to.be.at.least(150);
    expect(times[3] - times[2]).to.be.at.least(350);

    const metrics = (await api(t.url, 'GET', '/metrics')).body as string;
    expect(metrics).to.match(/pingstreams_webhook_attempts_total\{status="delivered"\} [1-9]/);
    expect(metrics).to.match(/pingstreams_webhook_attempts_total\{status="pending"\} [1-9]/);
    expect(metrics).to.match(/pingstreams_webhook_delivery_latency_seconds_count [1-9]/);
    expect(metrics).to.match(/pingstreams_webhook_deliveries_pending \d+/);
  });

  it('gives up after WEBHOOK_MAX_AGE (failed), and a manual retry sends it again', async () => {
    const down = await new Receiver().start();
    const port = down.port;
    await down.stop();
    const { owner, projectId, hook, log } = await hookedProject(`http://127.0.0.1:${port}/hook`);
    await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: 'Nobody Home' } });
    await eventually(async () => (await log()).body.data[0]?.status === 'failed', 'the delivery to fail', 30_000);
    const [failed] = (await log('?status=failed')).body.data;
    expect(failed.attempts).to.be.at.least(2);
    expect(failed.lastError).to.match(/ECONNREFUSED/);
    expect(failed.nextAttemptAt).to.equal(null);
    expect((await log('?status=delivered')).body.data).to.deep.equal([]);

    await down.start(port);
    try {
      const retry = await api(t.url, 'POST', `/v1/projects/${projectId}/webhooks/${hook.id}/deliveries/${failed.id}/retry`, { token: owner.token });
      expect(retry.status).to.equal(202);
      await eventually(() => down.delivered.length === 1, 'the manual retry');
      await eventually(async () => (await log()).body.data[0]?.status === 'delivered', 'the log to say delivered');
    } finally {
      await down.stop();
    }
  });

  it('pages the log newest first and filters by status', async () => {
    const { owner, projectId, log } = await hookedProject();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: `L${i}` } })).body.id);
    await eventually(async () => (await log('?status=delivered')).body.data.length === 5, 'five deliveries');
    const first = await log('?limit=2');
    expect(first.body.data).to.have.length(2);
    const second = await log(`?limit=2&cursor=${first.body.nextCursor}`);
    const third = await log(`?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.nextCursor).to.equal(null);
    const seen = [...first.body.data, ...second.body.data, ...third.body.data];
    expect(seen).to.have.length(5);
    expect(new Set(seen.map((d: any) => d.id)).size).to.equal(5);
    expect((await log('?status=pending')).body.data).to.deep.equal([]);
    expect((await log('?cursor=nonsense')).status).to.equal(400);
    expect((await log('?status=bogus')).status).to.equal(400);
  });

  it('prunes events older than the retention, never one still pending', async () => {
    const { owner, projectId, log } = await hookedProject();
    for (const fullname of ['Old and pending', 'Old and delivered']) await api(t.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname } });
    await eventually(async () => (await log('?status=delivered')).body.data.length === 2, 'both deliveries');
    const knex = t.deps.db.knex;
    // One of them waits for a retry far away: still pending.
    const [event] = await knex('outbox_events').where({ project_id: projectId }).orderBy('seq').select('id');
    await knex('webhook_deliveries').where({ event_id: event.id }).update({ status: 'pending', next_attempt_at: knex.raw(`now() + interval '1 hour'`) });
    await knex('outbox_events').where({ project_id: projectId }).update({ created_at: knex.raw(`now() - interval '10 days'`) });
    while ((await pruneOutbox(knex, 7 * 86400)) > 0);
    const left = await knex('outbox_events').where({ project_id: projectId }).select('payload');
    expect(left.map((e: any) => e.payload.fullname)).to.deep.equal(['Old and pending']);
    expect((await log()).body.data).to.have.length(1);
  });

  it('PATCH changes events and pauses a webhook; DELETE removes it', async () => {
    const { owner, projectId, hook } = await hookedProject();
    const path = `/v1/projects/${projectId}/webhooks/${hook.id}`;
    const patched = await api(t.url, 'PATCH', path, { token: owner.token, body: { events: ['lead.deleted'], active: false } });
    expect(patched.status).to.equal(200);
    expect(patched.body).to.include({ active: false, url: receiver.url });
    expect(patched.body.events).to.deep.equal(['lead.deleted']);
    expect(patched.body).to.not.have.property('secret');
    const list = await api(t.url, 'GET', `/v1/projects/${projectId}/webhooks`, { token: owner.token });
    expect(list.body.data.map((w: any) => w.id)).to.deep.equal([hook.id]);
    expect(list.body.data[0]).to.not.have.property('secret');
    expect((await api(t.url, 'DELETE', path, { token: owner.token })).status).to.equal(204);
    expect((await api(t.url, 'DELETE', path, { token: owner.token })).status).to.equal(404);
  });
});
