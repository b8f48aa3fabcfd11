/**
 * The embedded default is one process per data folder. Two processes on one DATA_DIR used to
 * both run, each with its own PostgreSQL over the same files, and accounts made on one vanished
 * (split brain). Now the second refuses to start: one line naming the holder, exit code 1.
 * Only in the embedded run (the other is about PostgreSQL servers).
 */
import fs from 'node:fs';
import { expect } from 'chai';
import { api, signup } from '../support/clients.js';
import { killAll, startServer, tempDataDir } from '../support/ops-fixtures.js';
import { PROJECT_ROOT, runToExit, type ServerProcess } from '../support/spawn-server.js';
import { usingPostgres } from '../support/test-config.js';
import { lockFileOf } from '../../src/db/data-dir-lock.js';

if (!usingPostgres()) {
  describe('embedded default: one process per DATA_DIR', function () {
    this.timeout(120_000);
    const servers: ServerProcess[] = [];
    const folders: ReturnType<typeof tempDataDir>[] = [];
    const embedded = (dir: string) => ({ DATABASE_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined, DATA_DIR: dir });
    const start = async (dir: string) => {
      const server = await startServer(embedded(dir));
      servers.push(server);
      return server;
    };
    const folder = () => {
      const data = tempDataDir('lock');
      folders.push(data);
      return data.dir;
    };
    /** Runs the server to its exit (it should refuse to start). */
    const refused = (dir: string) =>
      runToExit(['--import', 'tsx', `${PROJECT_ROOT}src/main.ts`], { ...embedded(dir), PORT: '0', LOG_LEVEL: 'info' });
    const login = (url: string, email: string, password: string) => api(url, 'POST', '/v1/auth/login', { body: { email, password } });

    after(async () => {
      await killAll(servers);
      for (const data of folders) data.remove();
    });

    it('a second process on the same DATA_DIR exits 1 with one line naming the first; the first keeps every account', async () => {
      const dir = folder();
      const first = await start(dir);
      const lockFile = lockFileOf(`${dir}/pgdata`);
      expect(fs.readFileSync(lockFile, 'utf8').trim()).to.equal(String(first.child.pid));

      const second = await refused(dir);
      expect(second.code).to.equal(1);
      const lines = second.output.trim().split('\n');
      expect(lines, second.output).to.have.length(1);
      const line = JSON.parse(lines[0]!) as { level: number; msg: string };
      expect(line.level).to.equal(60);
      expect(line.msg).to.include(`in use by another Pingstreams process (pid ${first.child.pid})`);
      expect(line.msg).to.include('one process per data folder');

      // The first is untouched: it still signs people up and remembers them across its restart.
      const account = await signup(first.url);
      expect(await first.stop()).to.equal(0);
      expect(fs.existsSync(lockFile), 'a clean stop removes the lock').to.equal(false);
      const again = await start(dir);
      expect((await login(again.url, account.email, account.password)).status).to.equal(200);
      expect(await again.stop()).to.equal(0);
    });

    it('two processes started at the same moment on a new DATA_DIR: exactly one runs', async () => {
      const dir = folder();
      const outcomes = await Promise.allSettled([start(dir), start(dir)]);
      const running = outcomes.filter((o): o is PromiseFulfilledResult<ServerProcess> => o.status === 'fulfilled');
      const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(running, JSON.stringify(failed.map((f) => String(f.reason)))).to.have.length(1);
      expect(failed).to.have.length(1);
      expect(String(failed[0]!.reason)).to.include('exited with 1').and.include(`(pid ${running[0]!.value.child.pid})`);
      const account = await signup(running[0]!.value.url);
      expect(await running[0]!.value.stop()).to.equal(0);
      const again = await start(dir);
      expect((await login(again.url, account.email, account.password)).status).to.equal(200);
      expect(await again.stop()).to.equal(0);
    });

    it('a lock left by a killed process (SIGKILL) is taken over at the next start, and nothing is lost', async () => {
      const dir = folder();
      const first = await start(dir);
      const account = await signup(first.url);
      await first.kill();
      const lockFile = lockFileOf(`${dir}/pgdata`);
      expect(fs.readFileSync(lockFile, 'utf8').trim(), 'SIGKILL leaves the lock behind').to.equal(String(first.child.pid));

      const next = await start(dir);
      expect(fs.readFileSync(lockFile, 'utf8').trim()).to.equal(String(next.child.pid));
      expect((await login(next.url, account.email, account.password)).status).to.equal(200);
      expect(await next.stop()).to.equal(0);
    });
  });
}
