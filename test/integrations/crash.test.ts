/** A process killed (SIGKILL) after committing events but before delivering them delivers them after a restart: the outbox is durable. */
import { expect } from 'chai';
import { api, ownerWithProject } from '../support/clients.js';
import { killAll, startServer, tempDataDir } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { usingPostgres } from '../support/test-config.js';
import { eventually, Receiver, WEBHOOK_TEST_ENV } from './receiver.js';

describe('webhooks across a crash', function () {
  this.timeout(180_000);
  const servers: ServerProcess[] = [];
  const data = tempDataDir('webhook-crash');
  // Embedded: a data folder on disk that the restarted process opens again. PostgreSQL: the run's database.
  const env = {
    ...WEBHOOK_TEST_ENV,
    ...(usingPostgres() ? {} : { DATABASE_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined, DATA_DIR: data.dir }),
  };

  after(async () => {
    await killAll(servers);
    data.remove();
  });

  it('receiver down, SIGKILL, receiver up, restart: every event arrives', async () => {
    const receiver = await new Receiver().start();
    const port = receiver.port;
    await receiver.stop();

    const first = await startServer(env);
    servers.push(first);
    const { owner, projectId } = await ownerWithProject(first.url);
    const hook = await api(first.url, 'POST', `/v1/projects/${projectId}/webhooks`, { token: owner.token, body: { url: `http://127.0.0.1:${port}/hook`, events: ['lead.created'] } });
    expect(hook.status).to.equal(201);
    const leadIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api(first.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: `Crash ${i}` } });
      expect(res.status).to.equal(201);
      leadIds.push(res.body.id);
    }
    // Committed (201) but not delivered: the receiver is down. Now the process dies without a goodbye.
    await first.kill();

    await receiver.start(port);
    try {
      const second = await startServer(env);
      servers.push(second);
      await eventually(() => leadIds.every((id) => receiver.delivered.some((r) => r.body.data.id === id)), 'the five events after the restart', 60_000);
      expect(new Set(receiver.delivered.map((r) => r.body.id)).size).to.equal(5);
      const log = await api(second.url, 'GET', `/v1/projects/${projectId}/webhooks/${hook.body.id}/deliveries`, { token: owner.token });
      expect(log.body.data.map((d: any) => d.status)).to.deep.equal(Array(5).fill('delivered'));
    } finally {
      await receiver.stop();
    }
  });
});
