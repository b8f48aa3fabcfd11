/** `npm run admin -- create-api-key`: an operator makes a key without a login; a real server then accepts it. */
import { expect } from 'chai';
import { api, uniqueEmail } from '../support/clients.js';
import { killAll, startServer } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { ownDatabase, runTool, runToolJson, type OwnDatabase } from '../ops/selfhost-fixtures.js';

describe('admin CLI create-api-key', function () {
  this.timeout(180_000);
  let db: OwnDatabase;
  const servers: ServerProcess[] = [];

  before(async () => {
    db = await ownDatabase('api-key-cli');
  });
  after(async () => {
    await killAll(servers);
    await db?.remove();
  });

  it('creates a scoped key that the server accepts on its scopes only', async () => {
    const email = uniqueEmail('owner');
    await runToolJson('admin', ['create-agent', '--email', email, '--fullname', 'Olivia', '--password', 'correct horse battery'], db.env);
    const { project } = await runToolJson('admin', ['create-project', '--name', 'Acme', '--owner', email], db.env);
    const { apiKey } = await runToolJson('admin', ['create-api-key', '--project', project.id, '--name', 'CRM', '--scopes', 'leads:read, leads:write'], db.env);
    expect(apiKey.key).to.match(/^psk_/);
    expect(apiKey.scopes).to.deep.equal(['leads:read', 'leads:write']);
    const bad = await runTool('admin', ['create-api-key', '--project', project.id, '--name', 'CRM', '--scopes', 'everything'], db.env);
    expect(bad.code).to.not.equal(0);

    const server = await startServer(db.env);
    servers.push(server);
    expect((await api(server.url, 'POST', `/v1/projects/${project.id}/leads`, { token: apiKey.key, body: { fullname: 'From the CRM' } })).status).to.equal(201);
    expect((await api(server.url, 'GET', `/v1/projects/${project.id}/conversations`, { token: apiKey.key })).status).to.equal(403);
  });
});
