/**
 * Backups, as an operator takes them: `backup --out FILE` while the server runs, the database
 * erased (the embedded data folder deleted; the PostgreSQL database dropped and recreated),
 * `restore FILE`, and a new server finds every lead, note, conversation and message again —
 * and nothing written after the backup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { api, ok, ownerWithProject } from '../support/clients.js';
import { killAll, queryAt, SocketPool, startServer } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { sparePort } from '../support/throwaway-postgres.js';
import { TEST_JWT_SECRET, usingPostgres } from '../support/test-config.js';
import { ownDatabase, runTool, runToolJson, type OwnDatabase } from './selfhost-fixtures.js';

type Get = (path: string) => Promise<any>;

/** Everything a project holds, as the API shows it. */
async function snapshot(get: Get, projectId: string) {
  const base = `/v1/projects/${projectId}`;
  const leads = (await get(`${base}/leads?limit=100`)).data;
  const notes = await Promise.all(leads.map((l: { id: string }) => get(`${base}/leads/${l.id}/notes`)));
  const conversations = (await get(`${base}/conversations?limit=100`)).data;
  const messages = await Promise.all(conversations.map((c: { id: string }) => get(`${base}/conversations/${c.id}/messages?afterSeq=0&limit=200`)));
  return { leads, notes, conversations, messages };
}

/** Where two JSON values first differ, as `path: before → after` (for the failure message). */
function firstDifference(a: unknown, b: unknown, at = '$'): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
      if (found) return found;
    }
  }
  return `${at}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`;
}

async function seed(server: ServerProcess, sockets: SocketPool) {
  const { owner, projectId } = await ownerWithProject(server.url);
  const post = async (p: string, body: unknown) => {
    const res = await api(server.url, 'POST', `/v1/projects/${projectId}${p}`, { token: owner.token, body });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  };
  for (let i = 0; i < 5; i++) {
    const lead = await post('/leads', { fullname: `Lead ${i}`, email: `lead${i}@example.com`, tags: ['imported', `batch-${i % 2}`], attributes: { plan: i % 2 ? 'pro' : 'free' } });
    await post(`/leads/${lead.id}/notes`, { text: `Called lead ${i} — “quoted” ✓` });
  }
  const agent = await sockets.agent(server.url, owner.token, projectId);
  for (let v = 0; v < 3; v++) {
    const { socket } = await sockets.visitor(server.url, projectId);
    await ok(socket, 'lead:update', { fullname: `Visitor ${v}`, email: `visitor${v}@example.com` });
    const conversation = await ok(socket, 'conversation:start', { text: `Hello from visitor ${v}` });
    await ok(socket, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: 'Second message 👋' });
    await ok(agent, 'conversation:join', { conversationId: conversation.id });
    await ok(agent, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: `Hi visitor ${v}` });
  }
  sockets.closeAll();
  return { owner, projectId, post };
}

describe('backup and restore (npm run backup / npm run restore)', function () {
  this.timeout(300_000);
  const sockets = new SocketPool();
  const servers: ServerProcess[] = [];
  let db: OwnDatabase;
  let folder: string;

  before(async () => {
    db = await ownDatabase('backup');
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-backups-'));
  });
  after(async () => {
    sockets.closeAll();
    await killAll(servers);
    await db?.remove();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  /** Erases the database as a lost disk or a dropped database would. */
  async function erase(): Promise<void> {
    if (db.dataDir) {
      fs.rmSync(db.dataDir, { recursive: true, force: true });
      fs.mkdirSync(db.dataDir);
      return;
    }
    const name = new URL(db.url!).pathname.slice(1);
    const server = new URL(db.url!);
    server.pathname = '/postgres';
    await queryAt(server.toString(), `drop database ${name} with (force)`);
    await queryAt(server.toString(), `create database ${name}`);
    expect(await queryAt(db.url!, `select count(*)::int as n from pg_tables where schemaname = 'public'`)).to.deep.equal([{ n: 0 }]);
  }

  it('a backup taken while the server runs brings back every lead, note, conversation and message after the database is erased', async () => {
    const first = await startServer(db.env);
    servers.push(first);
    const { owner, projectId, post } = await seed(first, sockets);
    const get: (url: string) => Get = (url) => async (p) => {
      const res = await api(url, 'GET', p, { token: owner.token });
      expect(res.status, `${p}: ${JSON.stringify(res.body)}`).to.equal(200);
      return res.body;
    };
    // The state the backup must hold: the same just before and just after it was taken (a
    // visitor's disconnect may still update its lead's lastSeenAt for a moment; then take it again).
    const file = path.join(folder, 'while-running.backup');
    let before: Awaited<ReturnType<typeof snapshot>> | null = null;
    let made: any;
    for (let attempt = 0; attempt < 5 && before === null; attempt++) {
      const justBefore = await snapshot(get(first.url), projectId);
      made = await runToolJson('backup', ['--out', file], db.env);
      const justAfter = await snapshot(get(first.url), projectId);
      if (firstDifference(justBefore, justAfter) === null) before = justBefore;
    }
    expect(before, 'the project kept changing while it was backed up').to.not.equal(null);
    expect(before!.leads).to.have.length(8);
    expect(before!.conversations).to.have.length(3);
    expect(before!.messages.flatMap((m: { data: unknown[] }) => m.data)).to.have.length(9);
    expect(made).to.deep.include({ file, database: usingPostgres() ? 'postgres' : 'pglite', viaServer: !usingPostgres() });
    expect(fs.statSync(file).size).to.equal(made.bytes);
    expect(fs.statSync(file).mode & 0o077, 'only its owner may read a backup').to.equal(0);
    // Written after the backup: the restore must not bring it back.
    await post('/leads', { fullname: 'After the backup' });

    // A restore under a running server is refused, and says what to do.
    const refused = await runTool('restore', [file], db.env);
    expect(refused.code, refused.stdout + refused.stderr).to.equal(1);
    expect(refused.stderr).to.match(usingPostgres() ? /other session\(s\) use this database[\s\S]*stop every server first/ : /Stop the server before restoring/);

    expect(await first.stop()).to.equal(0);
    await erase();
    const restored = await runToolJson('restore', [file], db.env);
    expect(restored.database).to.equal(usingPostgres() ? 'postgres' : 'pglite');

    const second = await startServer(db.env);
    servers.push(second);
    // The owner's token from before still verifies (embedded: the generated secret came back too).
    const after = await snapshot(get(second.url), projectId);
    expect(after, `first difference: ${firstDifference(before, after)}`).to.deep.equal(before);
    expect(after.leads.map((l: { fullname: string }) => l.fullname)).not.to.include('After the backup');
    expect(await second.stop()).to.equal(0);
  });

  it('with every server stopped: the CLI takes the dump itself (embedded) or pg_dump does, and the round trip keeps everything', async () => {
    const file = path.join(folder, 'stopped.backup');
    const made = await runToolJson('backup', ['--out', file], db.env);
    expect(made.viaServer).to.equal(false);
    const { projects: before } = await runToolJson('admin', ['list-projects'], db.env);
    await erase();
    await runToolJson('restore', [file], db.env);
    const { projects: after } = await runToolJson('admin', ['list-projects'], db.env);
    expect(after, `first difference: ${firstDifference(before, after)}`).to.deep.equal(before);
    expect(after).to.have.length(1);
  });

  it('says plainly what it cannot do: no pg_dump on PATH, memory://, no such file, not a backup', async () => {
    const port = await sparePort();
    const noTools = await runTool('backup', ['--out', path.join(folder, 'x.backup')], {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`,
      JWT_SECRET: TEST_JWT_SECRET,
      PATH: path.join(folder, 'no-tools-here'),
    });
    expect(noTools.code).to.equal(1);
    expect(noTools.stderr).to.include('pg_dump is not on PATH');

    const memory = await runTool('backup', ['--out', path.join(folder, 'x.backup')], { DATABASE_URL: 'memory://' });
    expect(memory.code).to.equal(1);
    expect(memory.stderr).to.include('memory://');

    const missing = await runTool('restore', [path.join(folder, 'nothing-here.backup')], db.env);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include('no such file');

    const junk = path.join(folder, 'junk.backup');
    fs.writeFileSync(junk, 'hello');
    const notBackup = await runTool('restore', [junk], db.env);
    expect(notBackup.code).to.equal(1);
    expect(notBackup.stderr).to.include('is not a backup made by npm run backup');

    const usage = await runTool('backup', [], db.env);
    expect(usage.code).to.equal(1);
    expect(usage.stderr).to.include('--out FILE');
  });
});
