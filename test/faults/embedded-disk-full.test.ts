/**
 * A full disk under the embedded default: the process reports and refuses, it does not corrupt
 * the data folder. A tmpfs of the test's own is filled with a filler file.
 *
 * - Running: below the reserve, writes answer UNAVAILABLE (reads still work), the process stays
 *   up; once space is freed the very same send succeeds.
 * - Starting: below the reserve the process refuses to start, with one line saying why.
 * - Past the guard (reserve 0, so PostgreSQL itself hits the wall): the write fails UNAVAILABLE,
 *   nothing hangs (after a PANIC every later statement fails at once), and a restart with space
 *   recovers every committed row from the WAL.
 * Only in the embedded run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ack, api, ok, ownerWithProject, signup } from '../support/clients.js';
import { killAll, SocketPool, startServer } from '../support/ops-fixtures.js';
import { PROJECT_ROOT, runToExit, type ServerProcess } from '../support/spawn-server.js';
import { mountSmallDisk, type SmallDisk } from '../support/small-disk.js';
import { usingPostgres } from '../support/test-config.js';
import { openDatabase } from '../../src/db/connect.js';
import { DISK_RESERVE_BYTES } from '../../src/db/embedded-guard.js';
import { toAppError } from '../../src/errors.js';

const MB = 1024 * 1024;

if (!usingPostgres()) {
  describe('embedded default on a full disk', function () {
    this.timeout(240_000);
    const sockets = new SocketPool();
    const servers: ServerProcess[] = [];
    let disk: SmallDisk;
    let dataDir: string;
    const env = () => ({ DATABASE_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined, DATA_DIR: dataDir, RATE_LIMIT_SOCKET: '0' });
    const start = async () => {
      const server = await startServer(env());
      servers.push(server);
      return server;
    };

    before(() => {
      // PGlite's folder is ≈ 40 MB; room for it, the 64 MB reserve and some chat.
      disk = mountSmallDisk(192);
      dataDir = path.join(disk.dir, 'data');
    });
    after(async () => {
      sockets.closeAll();
      await killAll(servers);
      disk?.remove();
    });
    afterEach(() => disk.free());

    it('below the reserve a CHECKPOINT still runs (it frees WAL), while writes are refused', async () => {
      const folder = path.join(disk.dir, 'checkpoint');
      const db = openDatabase({ kind: 'pglite', dataDir: folder });
      try {
        await db.knex.raw('create table filler (body text)');
        await db.knex.raw(`insert into filler select repeat('x', 1000) from generate_series(1, 10000)`);
        disk.fill(DISK_RESERVE_BYTES - 16 * MB);
        const refused = await db.knex.raw(`insert into filler values ('one more')`).then(
          () => null,
          (err: unknown) => err,
        );
        expect(toAppError(refused).code).to.equal('UNAVAILABLE');
        const redo = async (): Promise<string> => (await db.knex.raw('select redo_lsn::text as lsn from pg_control_checkpoint()')).rows[0].lsn;
        const before = await redo();
        await db.knex.raw('checkpoint');
        expect(await redo()).to.not.equal(before);
      } finally {
        await db.close();
        fs.rmSync(folder, { recursive: true, force: true });
      }
    });

    it('running: below the reserve sends answer UNAVAILABLE and reads still work; freed, the same send succeeds; nothing is lost', async () => {
      const server = await start();
      const { owner, projectId } = await ownerWithProject(server.url);
      const visitor = await sockets.visitor(server.url, projectId);
      const conversation = await ok(visitor.socket, 'conversation:start', { text: 'Before the disk filled up' });
      const send = (clientMessageId: string, text: string) => ack(visitor.socket, 'message:send', { conversationId: conversation.id, clientMessageId, text });
      for (let i = 0; i < 5; i++) expect((await send(randomUUID(), `before ${i}`)).ok).to.equal(true);

      disk.fill(DISK_RESERVE_BYTES - 16 * MB);
      const refusedId = randomUUID();
      const refused = await send(refusedId, 'on a full disk');
      expect(refused.ok).to.equal(false);
      expect(refused.error.code).to.equal('UNAVAILABLE');
      expect(refused.error.message).to.match(/disk/);
      const signupRefused = await api(server.url, 'POST', '/v1/auth/signup', { body: { email: `${randomUUID()}@example.test`, password: 'correct horse battery', fullname: 'Late' } });
      expect(signupRefused.status).to.equal(503);
      const list = await ok(visitor.socket, 'message:list', { conversationId: conversation.id });
      expect(list).to.have.length(6);
      expect((await api(server.url, 'GET', '/healthz')).status).to.equal(200);
      expect(server.child.exitCode, 'the process died').to.equal(null);
      expect(server.output()).to.match(/disk of the embedded database is nearly full/);

      disk.free();
      const retried = await send(refusedId, 'on a full disk');
      expect(retried.ok, JSON.stringify(retried.error)).to.equal(true);
      expect(retried.data.seq).to.equal(7);
      expect(await server.stop()).to.equal(0);

      const again = await start();
      const stored = await api(again.url, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}/messages`, { token: owner.token });
      expect(stored.body.data.map((m: { seq: number }) => m.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      expect(await again.stop()).to.equal(0);
    });

    it('starting: below the reserve the process refuses in one line and exits 1; with space it starts with its data', async () => {
      const first = await start();
      const account = await signup(first.url);
      expect(await first.stop()).to.equal(0);

      disk.fill(DISK_RESERVE_BYTES - 16 * MB);
      const refused = await runToExit(['--import', 'tsx', `${PROJECT_ROOT}src/main.ts`], { ...env(), PORT: '0', LOG_LEVEL: 'info' });
      expect(refused.code).to.equal(1);
      const lines = refused.output.trim().split('\n');
      expect(lines, refused.output).to.have.length(1);
      expect(JSON.parse(lines[0]!).msg).to.match(/needs 64 MB free to run safely/);

      disk.free();
      const again = await start();
      expect((await api(again.url, 'POST', '/v1/auth/login', { body: { email: account.email, password: account.password } })).status).to.equal(200);
      expect(await again.stop()).to.equal(0);
    });

    it('past the guard (reserve 0): the write that meets the full disk fails UNAVAILABLE, nothing hangs, and every committed row survives', async () => {
      const folder = { kind: 'pglite', dataDir: path.join(disk.dir, 'raw', 'pgdata') } as const;
      const db = openDatabase(folder, { diskReserveBytes: 0 });
      const fatal: Error[] = [];
      db.onFatal((err) => fatal.push(err));
      await db.knex.raw('create table filler (id serial primary key, payload text not null)');
      disk.fill(10 * MB);

      let committed = 0;
      let failure: unknown = null;
      while (failure === null) {
        // Random text: TOAST cannot compress it away.
        await db.knex('filler').insert({ payload: randomBytes(1500).toString('base64') }).then(
          () => committed++,
          (err: unknown) => (failure = err),
        );
      }
      const { severity, code } = failure as { severity?: string; code?: string };
      expect(toAppError(failure).code, String(failure)).to.equal('UNAVAILABLE');
      // PANIC (no room for a new WAL segment) or a plain ERROR (no room to extend a table): either
      // way the next statement answers at once — after a PANIC, without touching PostgreSQL.
      const next = await Promise.race([
        db.knex.raw('select count(*)::int as n from filler').then(() => 'answered', (err: unknown) => toAppError(err).code),
        new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000)),
      ]);
      expect(next).to.be.oneOf(['answered', 'UNAVAILABLE']);
      expect(fatal.length).to.equal(severity === 'PANIC' ? 1 : 0);
      await db.close();
      console.log(`      ${committed} rows committed, then ${severity} ${code}; the next statement: ${next}`);

      disk.free();
      const reopened = openDatabase(folder);
      try {
        const [{ n }] = (await reopened.knex.raw('select count(*)::int as n from filler')).rows;
        expect(n).to.equal(committed);
      } finally {
        await reopened.close();
      }
    });
  });
}
