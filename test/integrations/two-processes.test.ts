/** Two server processes on one PostgreSQL: each event is delivered once (SKIP LOCKED claims), in each lead's order. PostgreSQL only. */
import { expect } from 'chai';
import { api, ownerWithProject } from '../support/clients.js';
import { killAll, startServer } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { usingPostgres } from '../support/test-config.js';
import { eventually, Receiver, WEBHOOK_TEST_ENV } from './receiver.js';

if (usingPostgres()) {
  describe('webhooks with two server processes', function () {
    this.timeout(120_000);
    const servers: ServerProcess[] = [];
    let receiver: Receiver;

    before(async () => {
      receiver = await new Receiver().start();
      servers.push(...(await Promise.all([startServer(WEBHOOK_TEST_ENV), startServer(WEBHOOK_TEST_ENV)])));
    });
    after(async () => {
      await killAll(servers);
      await receiver.stop();
    });

    it("delivers each event exactly once and each lead's events in order, both processes working", async () => {
      const [a, b] = servers as [ServerProcess, ServerProcess];
      const { owner, projectId } = await ownerWithProject(a.url);
      const hook = await api(a.url, 'POST', `/v1/projects/${projectId}/webhooks`, { token: owner.token, body: { url: receiver.url, events: ['lead.created', 'lead.updated'] } });
      expect(hook.status).to.equal(201);
      // 60 leads created half on each process, each then edited twice on the other one.
      const leads = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const [here, there] = i % 2 ? [a, b] : [b, a];
          const lead = (await api(here.url, 'POST', `/v1/projects/${projectId}/leads`, { token: owner.token, body: { fullname: `P${i}` } })).body;
          for (const phone of ['1', '2']) expect((await api(there.url, 'PATCH', `/v1/projects/${projectId}/leads/${lead.id}`, { token: owner.token, body: { phone } })).status).to.equal(200);
          return lead.id as string;
        }),
      );
      await eventually(() => new Set(receiver.delivered.map((r) => r.body.id)).size >= 180, `180 deliveries (have ${receiver.delivered.length})`, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const ids = receiver.requests.map((r) => r.body.id);
      expect(ids).to.have.length(180);
      expect(new Set(ids).size).to.equal(180);
      // Both processes took part, and between them sent each delivery once.
      const deliveredBy = await Promise.all(
        servers.map(async (server) => {
          const text = (await api(server.url, 'GET', '/metrics')).body as string;
          return Number(/pingstreams_webhook_attempts_total\{status="delivered"\} (\d+)/.exec(text)?.[1] ?? 0);
        }),
      );
      expect(deliveredBy.every((n) => n > 0), `delivered by each process: ${deliveredBy.join(', ')}`).to.equal(true);
      expect(deliveredBy[0]! + deliveredBy[1]!).to.equal(180);
      for (const id of leads) {
        const seen = receiver.delivered.filter((r) => r.body.data.id === id).map((r) => `${r.body.type}:${r.body.data.phone}`);
        expect(seen).to.deep.equal(['lead.created:null', 'lead.updated:1', 'lead.updated:2']);
      }
    });
  });
}
