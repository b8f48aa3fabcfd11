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
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ack, ok, ownerWithProject } from '../support/clients.js';
import { appOnFolder, send } from '../support/embedded-app.js';
import { killAll, SocketPool, startServer, tempDataDir } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { openDatabase, type Database } from '../../src/db/connect.js';
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

    it("file sizes kept by the file layer (no fstat per lseek) match the disk as tables grow, shrink and are rewritten, and across a restart", async () => {
      const dir = folder();
      const pgdata = path.join(dir, 'pgdata');
      /** What PostgreSQL believes each file's size is (lseek SEEK_END, answered by the kept size), beside the disk's. */
      const sizes = async (db: Database, table: string) => {
        const rows = (await db.knex.raw(`select pg_relation_filepath(c.oid) as file, pg_relation_size(c.oid) as size from pg_class c where c.relname in (?, ?)`, [table, `${table}_pkey`])).rows as { file: string; size: number }[];
        expect(rows).to.have.length(2);
        return rows.map((r) => ({ file: r.file, believed: Number(r.size), disk: fs.statSync(path.join(pgdata, r.file)).size }));
      };
      const matches = async (db: Database, table: string, what: string) => {
        for (const r of await sizes(db, table)) expect(r.believed, `${what}: ${r.file}`).to.equal(r.disk);
      };
      let db = openDatabase({ kind: 'pglite', dataDir: pgdata });
      try {
        await db.knex.raw('create table sized (id int primary key, pad text)');
        for (let round = 0; round < 5; round++) {
          await db.knex.raw(`insert into sized select g, repeat('x', 200) from generate_series(?::int, ?::int) g`, [round * 4000 + 1, (round + 1) * 4000]);
          await matches(db, 'sized', `after insert round ${round}`);
        }
        const grown = (await sizes(db, 'sized'))[0]!.disk;
        // VACUUM truncates the empty pages at the end: the file shrinks under the kept size.
        await db.knex.raw('delete from sized where id > 2000');
        await db.knex.raw('vacuum sized');
        await matches(db, 'sized', 'after delete + vacuum');
        expect((await sizes(db, 'sized'))[0]!.disk).to.be.below(grown);
        // VACUUM FULL writes new files; TRUNCATE too, then the table grows again.
        await db.knex.raw('vacuum full sized');
        await matches(db, 'sized', 'after vacuum full');
        await db.knex.raw('truncate sized');
        await matches(db, 'sized', 'after truncate');
        await db.knex.raw(`insert into sized select g, repeat('y', 300) from generate_series(1, 3000) g`);
        await matches(db, 'sized', 'after refill');
      } finally {
        await db.close();
      }
      db = openDatabase({ kind: 'pglite', dataDir: pgdata });
      try {
        await matches(db, 'sized', 'after a restart');
        expect((await db.knex.raw(`select count(*)::int as n, min(pad) = max(pad) and min(pad) = repeat('y', 300) as same from sized`)).rows[0]).to.deep.equal({ n: 3000, same: true });
        await db.knex.raw(`insert into sized select g, 'z' from generate_series(3001, 9000) g`);
        await matches(db, 'sized', 'after growing again');
      } finally {
        await db.close();
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
