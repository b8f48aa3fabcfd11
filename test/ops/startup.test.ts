/**
 * Start-up that tells the truth, with real processes: `npm start` builds only when the sources
 * changed; a database or Redis missing at boot is waited for (one log line, no stack trace)
 * while /healthz answers and /readyz says 503; production without DATABASE_URL says where the
 * embedded data lives; .env is read (the real environment wins); logs are readable at a terminal.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { api, uniqueEmail } from '../support/clients.js';
import { until } from '../support/ops-fixtures.js';
import { PROJECT_ROOT } from '../support/spawn-server.js';
import { sparePort, startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';
import { throwawayRedis, type ThrowawayRedis } from '../support/throwaway-servers.js';
import { TEST_JWT_SECRET } from '../support/test-config.js';
import { childEnv, runNode } from './selfhost-fixtures.js';

/** A process we started, its output so far, and a way to stop it. */
interface Running {
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

function launch(command: string, args: string[], env: Record<string, string | undefined>, options: { cwd?: string; detached?: boolean } = {}): Running {
  const child = spawn(command, args, { cwd: options.cwd ?? PROJECT_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      // detached: the whole group we made (`script` and the server under it).
      if (options.detached) process.kill(-child.pid!, 'SIGTERM');
      else child.kill('SIGTERM');
      return exited;
    },
  };
}

/** tsx by absolute path: `--import tsx` would be looked up from the working directory. */
const TSX = pathToFileURL(path.join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

const tsxServer = (env: Record<string, string | undefined>, cwd?: string) =>
  launch(process.execPath, ['--import', TSX, `${PROJECT_ROOT}src/main.ts`], env, cwd ? { cwd } : {});

const statusOf = async (url: string) => (await fetch(url).catch(() => null))?.status ?? null;
const linesWith = (output: string, text: string) => output.split('\n').filter((line) => line.includes(text));

describe('start-up that tells the truth', function () {
  this.timeout(300_000);
  const running: Running[] = [];
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('npm start builds only when the sources changed: a second start checks in milliseconds and compiles nothing', async () => {
    // A copy of the project, so that building and touching files leaves the real tree alone.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-startcopy-'));
    cleanups.push(() => fs.rmSync(copy, { recursive: true, force: true }));
    for (const entry of ['src', 'migrations', 'web', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'knexfile.ts']) {
      fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(copy, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const start = (entryArgs: string[]) => runNode(['scripts/start.mjs', ...entryArgs], {}, { cwd: copy, timeoutMs: 240_000 });

    const first = await start(['dist/src/cli/admin.js', 'help']);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stderr).to.include('build: sources changed since the last build; building');
    expect(first.stdout).to.include('Usage: npm run admin');
    const builtAt = fs.statSync(path.join(copy, 'dist/src/main.js')).mtimeMs;

    // The server itself: nothing to build, and it says so.
    const server = launch(process.execPath, ['scripts/start.mjs'], { DATABASE_URL: 'memory://', PORT: '0' }, { cwd: copy });
    running.push(server);
    await until(() => server.output().includes('"msg":"listening"'), 'the built server to listen', 120_000);
    const checked = /build: up to date \(checked in (\d+) ms\)/.exec(server.output());
    expect(checked, server.output()).to.not.equal(null);
    expect(Number(checked![1])).to.be.below(500);
    expect(server.output()).not.to.include('building');
    expect(fs.statSync(path.join(copy, 'dist/src/main.js')).mtimeMs).to.equal(builtAt);
    expect(linesWith(server.output(), 'persistent disk'), 'said only in production').to.have.length(0);
    expect(await server.stop()).to.equal(0);

    // A changed source builds again; `npm run build` records what it built, so the next start does not.
    const touched = path.join(copy, 'src/config.ts');
    fs.utimesSync(touched, new Date(), new Date(Date.now() + 5_000));
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: copy, encoding: 'utf8', timeout: 240_000 });
    expect(build.status, build.stdout + build.stderr).to.equal(0);
    const rebuiltAt = fs.statSync(path.join(copy, 'dist/src/main.js')).mtimeMs;
    expect(rebuiltAt).to.be.above(builtAt);
    const after = await start(['dist/src/cli/admin.js', 'help']);
    expect(after.code, after.stderr).to.equal(0);
    expect(after.stderr).not.to.include('building');
    expect(fs.statSync(path.join(copy, 'dist/src/main.js')).mtimeMs).to.equal(rebuiltAt);
  });

  it('PostgreSQL down at boot: health answers, readiness is 503, one line says what is missing; ready once it is up and the database exists', async () => {
    const postgres: ThrowawayPostgres = await startThrowawayPostgres();
    cleanups.push(() => postgres.destroy());
    postgres.stop();
    const port = await sparePort();
    const server = tsxServer({ DATABASE_URL: postgres.url('pingstreams_boot'), REDIS_URL: undefined, JWT_SECRET: TEST_JWT_SECRET, PORT: String(port) });
    running.push(server);
    const base = `http://127.0.0.1:${port}`;

    await until(() => server.output().includes('database not reachable'), 'the line about the database', 60_000);
    expect(await statusOf(`${base}/healthz`)).to.equal(200);
    const notReady = await api(base, 'GET', '/readyz');
    expect(notReady.status).to.equal(503);
    expect(notReady.body).to.deep.include({ status: 'unavailable', checks: { database: 'down' } });
    const early = await api(base, 'POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: 'a long password', fullname: 'Early' } });
    expect(early.status).to.equal(503);
    expect(early.body.error.code).to.equal('UNAVAILABLE');

    // Several retries later: still the one line, naming the server, without a stack trace.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const refused = linesWith(server.output(), 'database not reachable');
    expect(refused, server.output()).to.have.length(1);
    expect(refused[0]).to.include(`PostgreSQL at 127.0.0.1:${postgres.port}/pingstreams_boot`).and.include('ECONNREFUSED');
    expect(server.output()).not.to.match(/\n\s+at /);

    // PostgreSQL comes up, without the database: a new reason, one new line, with what to do.
    postgres.start();
    await until(() => linesWith(server.output(), 'database not reachable').length === 2, 'the line about the missing database', 60_000);
    expect(linesWith(server.output(), 'database not reachable')[1]).to.include('does not exist').and.include('createdb');
    expect((await api(base, 'GET', '/readyz')).status).to.equal(503);

    const create = spawnSync('psql', [postgres.url('postgres'), '-c', 'create database pingstreams_boot'], { encoding: 'utf8' });
    expect(create.status, create.stderr).to.equal(0);
    await until(() => server.output().includes('"msg":"listening"'), 'the server to serve once the database exists', 60_000);
    expect((await api(base, 'GET', '/readyz')).status).to.equal(200);
    const signup = await api(base, 'POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: 'a long password', fullname: 'Late' } });
    expect(signup.status, JSON.stringify(signup.body)).to.equal(201);
    expect(server.output()).not.to.match(/\n\s+at /);
    expect(await server.stop()).to.equal(0);
  });

  it('Redis down at boot: the app serves, readiness says 503 naming Redis in one line, and is ready once Redis is up', async () => {
    const redis: ThrowawayRedis = await throwawayRedis({ started: false });
    cleanups.push(() => redis.remove());
    const port = await sparePort();
    const server = tsxServer({ DATABASE_URL: 'memory://', REDIS_URL: redis.url, PORT: String(port) });
    running.push(server);
    const base = `http://127.0.0.1:${port}`;
    await until(() => server.output().includes('"msg":"listening"'), 'the server to listen', 120_000);
    expect(await statusOf(`${base}/healthz`)).to.equal(200);
    const notReady = await api(base, 'GET', '/readyz');
    expect(notReady.status).to.equal(503);
    expect(notReady.body.checks).to.deep.equal({ database: 'ok', redis: 'down' });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const lines = linesWith(server.output(), 'redis unavailable');
    expect(lines, server.output()).to.have.length(1);
    expect(lines[0]).to.include(`127.0.0.1:${redis.port}`);
    expect(server.output()).not.to.match(/\n\s+at /);

    await redis.start();
    await until(() => server.output().includes('redis available again'), 'Redis to be used again', 30_000);
    let ready = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (ready = (await api(base, 'GET', '/readyz')).status) !== 200) await new Promise((r) => setTimeout(r, 200));
    expect(ready).to.equal(200);
    expect(await server.stop()).to.equal(0);
  });

  it('production without DATABASE_URL says once where the embedded data lives; .env is read and the real environment wins over it', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-dotenv-'));
    cleanups.push(() => fs.rmSync(cwd, { recursive: true, force: true }));
    fs.writeFileSync(path.join(cwd, '.env'), ['# read at start', 'NODE_ENV=production', 'DATA_DIR=./data-from-dotenv', 'SIGNUP=closed', ''].join('\n'));
    // SIGNUP=open in the real environment (the test defaults) wins over the file's closed.
    const server = tsxServer({ DATABASE_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined, PORT: '0', SIGNUP: 'open' }, cwd);
    running.push(server);
    await until(() => server.output().includes('"msg":"listening"'), 'the server to listen', 120_000);
    const dataDir = path.join(fs.realpathSync(cwd), 'data-from-dotenv');
    expect(fs.existsSync(path.join(dataDir, 'pgdata')), 'DATA_DIR came from .env').to.equal(true);
    const said = linesWith(server.output(), 'persistent disk');
    expect(said, server.output()).to.have.length(1);
    expect(said[0]).to.include(dataDir).and.include('DATABASE_URL');
    const port = (JSON.parse(linesWith(server.output(), '"msg":"listening"')[0]!) as { port: number }).port;
    const signup = await api(`http://127.0.0.1:${port}`, 'POST', '/v1/auth/signup', { body: { email: uniqueEmail(), password: 'a long password', fullname: 'Env' } });
    expect(signup.status, JSON.stringify(signup.body)).to.equal(201);
    expect(await server.stop()).to.equal(0);
  });

  it('logs are readable lines at a terminal and JSON lines anywhere else', async () => {
    const command = [process.execPath, '--import', TSX, `${PROJECT_ROOT}src/main.ts`].map((a) => `'${a}'`).join(' ');
    // `script` gives the server a pseudo-terminal as stdout.
    const atTerminal = launch('script', ['-qec', command, '/dev/null'], { DATABASE_URL: 'memory://', REDIS_URL: undefined, PORT: '0', TERM: 'dumb' }, { detached: true });
    running.push(atTerminal);
    await until(() => /INFO\s+listening/.test(atTerminal.output()), 'a readable "listening" line', 120_000);
    const text = atTerminal.output();
    expect(text).to.match(/^\d\d:\d\d:\d\d INFO {2}listening port=\d+ database=pglite-memory redis=false\r?$/m);
    expect(text).not.to.include('{"level"');
    await atTerminal.stop();

    const piped = tsxServer({ DATABASE_URL: 'memory://', REDIS_URL: undefined, PORT: '0' });
    running.push(piped);
    await until(() => piped.output().includes('"msg":"listening"'), 'a JSON "listening" line', 120_000);
    for (const line of piped.output().trim().split('\n')) expect(() => JSON.parse(line), line).not.to.throw();
  });
});
