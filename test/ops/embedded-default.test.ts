/**
 * The zero-configuration server: no DATABASE_URL, REDIS_URL or JWT_SECRET. It keeps an embedded
 * PostgreSQL and a generated secret in DATA_DIR, so accounts, tokens and chats survive a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { api, ok, ownerWithProject } from '../support/clients.js';
import { killAll, SocketPool, startServer, tempDataDir } from '../support/ops-fixtures.js';
import { runToExit, type ServerProcess } from '../support/spawn-server.js';
import { testEnv } from '../support/test-config.js';

describe('embedded default: nothing configured but DATA_DIR', function () {
  this.timeout(60_000);
  let data: ReturnType<typeof tempDataDir>;
  const sockets = new SocketPool();
  const servers: ServerProcess[] = [];
  const start = async () => {
    const server = await startServer({ DATABASE_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined, DATA_DIR: data.dir });
    servers.push(server);
    return server;
  };

  before(() => {
    data = tempDataDir('embedded');
  });
  after(async () => {
    sockets.closeAll();
    await killAll(servers);
    data?.remove();
  });

  it('keeps the database and the signing secret in DATA_DIR: tokens, visitors and messages survive a restart', async () => {
    const first = await start();
    expect(first.output()).to.include('"database":"pglite"');
    expect(fs.statSync(path.join(data.dir, 'pgdata')).isDirectory()).to.equal(true);
    const secretFile = path.join(data.dir, 'jwt-secret');
    const secret = fs.readFileSync(secretFile, 'utf8').trim();
    expect(secret.length).to.be.at.least(32);

    const { owner, projectId } = await ownerWithProject(first.url);
    const visitor = await sockets.visitor(first.url, projectId);
    const conversation = await ok(visitor.socket, 'conversation:start', { text: 'Are you still there after a restart?' });
    const second = await ok(visitor.socket, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: 'Second message' });
    expect(second.seq).to.equal(2);
    const { visitorId, token: visitorToken } = visitor.session;
    const leadId = conversation.leadId;
    sockets.closeAll();

    expect(await first.stop()).to.equal(0);

    const again = await start();
    expect(fs.readFileSync(secretFile, 'utf8').trim()).to.equal(secret);

    // The old agent token still verifies: the secret was kept, not regenerated.
    const project = await api(again.url, 'GET', `/v1/projects/${projectId}`, { token: owner.token });
    expect(project.status, JSON.stringify(project.body)).to.equal(200);
    expect(project.body.id).to.equal(projectId);

    // The browser's stored token resumes the same visitor and lead.
    const back = await sockets.visitor(again.url, projectId, visitorToken);
    expect(back.session.visitorId).to.equal(visitorId);
    expect(back.session.leadId).to.equal(leadId);
    const messages = await ok(back.socket, 'message:list', { conversationId: conversation.id });
    expect(messages.map((m: any) => [m.seq, m.text])).to.deep.equal([
      [1, 'Are you still there after a restart?'],
      [2, 'Second message'],
    ]);
    const viaRest = await api(again.url, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}/messages`, { token: owner.token });
    expect(viaRest.status).to.equal(200);
    expect(viaRest.body.data.map((m: any) => m.id)).to.deep.equal(messages.map((m: any) => m.id));

    sockets.closeAll();
    expect(await again.stop()).to.equal(0);
  });

  it('refuses to start on a torn or emptied jwt-secret instead of signing with an empty secret', async () => {
    const torn = tempDataDir('torn-secret');
    try {
      fs.writeFileSync(path.join(torn.dir, 'jwt-secret'), '');
      const run = await runToExit(['--import', 'tsx', 'src/main.ts'], { ...testEnv(), DATABASE_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined, DATA_DIR: torn.dir, LOG_LEVEL: 'info' });
      expect(run.code).to.not.equal(0);
      expect(run.output).to.include('holds no usable secret');
    } finally {
      torn.remove();
    }
  });
});
