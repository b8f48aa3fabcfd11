/**
 * "Acked means durable" on the embedded default. PGlite as it comes runs PostgreSQL with fsync
 * off over a file layer without fsync; ours fsyncs the WAL at every commit, before the ack.
 *
 * No test can pull the power. What is tested: PostgreSQL inside runs with fsync on and WAL sync by
 * fsync(); every acked send was preceded by a real fsync (counted where NODEFS calls
 * fs.fsyncSync); a pipelined burst costs one fsync per batch, not per message; a process killed
 * right after its acks keeps every acked message. What durability costs in messages/s:
 * test/faults/durability-cost.bench.ts. Only in the embedded run (the other is about servers).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ack, ok, ownerWithProject } from '../support/clients.js';
import { appOnFolder, send } from '../support/embedded-app.js';
import { killAll, SocketPool, startServer, tempDataDir } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { usingPostgres } from '../support/test-config.js';

if (!usingPostgres()) {
  describe('embedded default: an acked message is on the disk', function () {
    this.timeout(240_000);
    const folders: ReturnType<typeof tempDataDir>[] = [];
    const servers: ServerProcess[] = [];
    const sockets = new SocketPool();
    const folder = () => {
      const data = tempDataDir('durable');
      folders.push(data);
      return data.dir;
    };
    after(async () => {
      sockets.closeAll();
      await killAll(servers);
      for (const data of folders) data.remove();
    });

    it('runs PostgreSQL with fsync on; every acked send waited for an fsync, and a burst shares them (one per batch)', async () => {
      const app = await appOnFolder(folder());
      try {
        const settings = await app.db.knex.raw(`select name, setting from pg_settings where name in ('fsync', 'wal_sync_method', 'synchronous_commit') order by name`);
        expect(settings.rows).to.deep.equal([
          { name: 'fsync', setting: 'on' },
          { name: 'synchronous_commit', setting: 'on' },
          { name: 'wal_sync_method', setting: 'fsync' },
        ]);
        const { projectId } = await ownerWithProject(app.url);
        const { socket, conversationId } = await app.visitorConversation(projectId);
        for (let i = 0; i < 10; i++) {
          const before = app.db.fsyncs()!;
          await send(socket, conversationId, `one by one ${i}`);
          expect(app.db.fsyncs()!, `send ${i} was acked without an fsync`).to.be.greaterThan(before);
        }
        // One socket's commands run in order, one at a time; ten visitors' sends share batches.
        const visitors = await Promise.all(Array.from({ length: 10 }, () => app.visitorConversation(projectId)));
        const before = app.db.fsyncs()!;
        const burst = await Promise.all(visitors.flatMap((v) => Array.from({ length: 10 }, (_, i) => send(v.socket, v.conversationId, `burst ${i}`))));
        const burstFsyncs = app.db.fsyncs()! - before;
        expect(burst).to.have.length(100);
        expect(burstFsyncs).to.be.within(1, 50);
        console.log(`      10 visitors × 10 sends in flight were acked after ${burstFsyncs} fsyncs (group commit: one per batch)`);
      } finally {
        await app.close();
      }
    });

    it('PGlite as it comes (fsync off) never calls fsync: the counter would catch a lost flush', async () => {
      const app = await appOnFolder(folder(), { durable: false });
      try {
        expect((await app.db.knex.raw('show fsync')).rows[0].fsync).to.equal('off');
        const { projectId } = await ownerWithProject(app.url);
        const { socket, conversationId } = await app.visitorConversation(projectId);
        const before = app.db.fsyncs();
        for (let i = 0; i < 5; i++) await send(socket, conversationId, `not durable ${i}`);
        expect(app.db.fsyncs()).to.equal(before);
      } finally {
        await app.close();
      }
    });

    it('a process SIGKILLed the moment its last ack arrives keeps every acked message', async () => {
      const dir = folder();
      const env = { DATABASE_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined, DATA_DIR: dir, RATE_LIMIT_SOCKET: '0' };
      const first = await startServer(env);
      servers.push(first);
      const { owner, projectId } = await ownerWithProject(first.url);
      const visitor = await sockets.visitor(first.url, projectId);
      const conversation = await ok(visitor.socket, 'conversation:start', { text: 'Before the kill' });
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => ack(visitor.socket, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: `acked ${i}` })),
      );
      await first.kill();
      const acked = answers.filter((a) => a.ok).map((a) => a.data.id as string);
      expect(acked).to.have.length(50);

      const again = await startServer(env);
      servers.push(again);
      const res = await fetch(`${again.url}/v1/projects/${projectId}/conversations/${conversation.id}/messages?limit=100`, {
        headers: { authorization: `Bearer ${owner.token}` },
      });
      expect(res.status).to.equal(200);
      const stored = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
      expect(acked.filter((id) => !stored.includes(id)), 'acked but lost').to.deep.equal([]);
      expect(await again.stop()).to.equal(0);
    });
  });
}
