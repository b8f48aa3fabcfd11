/**
 * The admin CLI as an operator runs it: real processes on a database of the test's own. Every
 * command's effect is then checked through a real server (logins, the project's identity
 * secret); with the embedded database, the CLI also works while that server holds the folder.
 */
import { expect } from 'chai';
import { api, uniqueEmail } from '../support/clients.js';
import { killAll, startServer } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { sparePort } from '../support/throwaway-postgres.js';
import { TEST_JWT_SECRET } from '../support/test-config.js';
import { ownDatabase, runAtTerminal, runTool, runToolJson, type OwnDatabase } from './selfhost-fixtures.js';

const PASSWORD = 'correct horse battery';
const login = (url: string, email: string, password = PASSWORD) => api(url, 'POST', '/v1/auth/login', { body: { email, password } });

describe('admin CLI (npm run admin)', function () {
  this.timeout(180_000);
  let db: OwnDatabase;
  const servers: ServerProcess[] = [];

  before(async () => {
    db = await ownDatabase('admin-cli');
  });
  after(async () => {
    await killAll(servers);
    await db?.remove();
  });

  it('create-agent, create-project, list-projects, reset-password, rotate-identity-secret, create-api-key do what they say, in text and in --json', async () => {
    const ada = uniqueEmail('ada');
    const bob = uniqueEmail('bob');
    const { agent } = await runToolJson('admin', ['create-agent', '--email', ada, '--fullname', 'Ada Lovelace', '--password', PASSWORD], db.env);
    expect(agent).to.include({ email: ada, fullname: 'Ada Lovelace' });
    expect(agent.id).to.match(/^[0-9a-f-]{36}$/);

    const asText = await runTool('admin', ['create-agent', '--email', bob, '--fullname', 'Bob', '--password-stdin'], db.env, { input: `${PASSWORD}\n` });
    expect(asText.code, asText.stderr).to.equal(0);
    expect(asText.stdout).to.include(`Created agent ${bob}`);

    const { project, owner } = await runToolJson('admin', ['create-project', '--name', '  Acme Support  ', '--owner', ada.toUpperCase()], db.env);
    expect(project.name).to.equal('Acme Support');
    expect(owner.id).to.equal(agent.id);
    const firstSecret: string = project.identitySecret;

    const { projects } = await runToolJson('admin', ['list-projects'], db.env);
    expect(projects).to.deep.include({ id: project.id, name: 'Acme Support', createdAt: project.createdAt, owners: [ada], members: 1 });
    const listed = await runTool('admin', ['list-projects'], db.env);
    expect(listed.stdout).to.include(project.id).and.include('Acme Support').and.include(ada);

    // Without --password, at a terminal: asked for, and not echoed.
    const reset = await runAtTerminal('admin', ['reset-password', '--email', ada], db.env, 'Password: ', 'a brand new password');
    expect(reset.code, reset.stdout + reset.stderr).to.equal(0);
    expect(reset.stdout).to.include(`New password set for ${ada}`);
    expect(reset.stdout).not.to.include('a brand new password');
    const rotated = await runToolJson('admin', ['rotate-identity-secret', '--project', project.id], db.env);
    expect(rotated.projectId).to.equal(project.id);
    expect(rotated.identitySecret).to.be.a('string').and.not.equal(firstSecret);

    // What a server on the same database sees.
    const server = await startServer(db.env);
    servers.push(server);
    expect((await login(server.url, ada)).status, 'the old password').to.equal(401);
    const session = await login(server.url, ada, 'a brand new password');
    expect(session.status).to.equal(200);
    expect((await login(server.url, bob)).status).to.equal(200);
    const seen = await api(server.url, 'GET', `/v1/projects/${project.id}`, { token: session.body.token });
    expect(seen.status).to.equal(200);
    expect(seen.body.identitySecret).to.equal(rotated.identitySecret);

    // With the server running (embedded: it holds the data folder, the CLI goes through it).
    const carol = uniqueEmail('carol');
    await runToolJson('admin', ['create-agent', '--email', carol, '--fullname', 'Carol', '--password', PASSWORD], db.env);
    expect((await login(server.url, carol)).status).to.equal(200);
    const again = await runToolJson('admin', ['list-projects'], db.env);
    expect(again.projects.map((p: { id: string }) => p.id)).to.include(project.id);
    const { apiKey } = await runToolJson('admin', ['create-api-key', '--project', project.id, '--name', 'Reports', '--scopes', 'leads:read'], db.env);
    expect((await api(server.url, 'GET', `/v1/projects/${project.id}/leads`, { token: apiKey.key })).status).to.equal(200);
  });

  it('bad input exits 1 with a message naming the flag, and changes nothing', async () => {
    const email = uniqueEmail('taken');
    await runToolJson('admin', ['create-agent', '--email', email, '--fullname', 'Taken', '--password', PASSWORD], db.env);

    const invalid = await runTool('admin', ['create-agent', '--email', 'not-an-email', '--fullname', 'X', '--password', 'short'], db.env);
    expect(invalid.code).to.equal(1);
    expect(invalid.stderr).to.include('--email: must be an email address').and.include('--password: must be at least 8 characters');
    expect(invalid.stderr).not.to.match(/\n\s+at /);
    const invalidJson = await runTool('admin', ['create-agent', '--email', 'not-an-email', '--fullname', 'X', '--password', PASSWORD, '--json'], db.env);
    expect(invalidJson.code).to.equal(1);
    expect(JSON.parse(invalidJson.stderr).error).to.deep.include({ code: 'VALIDATION_FAILED', details: [{ path: 'email', message: 'must be an email address' }] });

    const cases: [string[], RegExp][] = [
      [['create-agent', '--email', email.toUpperCase(), '--fullname', 'Again', '--password', PASSWORD], /already registered/],
      [['create-project', '--name', 'Orphan', '--owner', uniqueEmail('nobody')], /No agent has the email/],
      [['rotate-identity-secret', '--project', '00000000-0000-4000-8000-000000000000'], /No project has the id/],
      [['rotate-identity-secret', '--project', 'acme'], /--project: must be a project id/],
      [['reset-password', '--email', email], /--password-stdin/],
      [['create-agent', '--email', email, '--colour', 'blue'], /Unknown option '--colour'/],
      [['make-coffee'], /unknown command "make-coffee"[\s\S]*create-agent[\s\S]*rotate-identity-secret/],
      [[], /which command\?/],
    ];
    for (const [args, message] of cases) {
      const done = await runTool('admin', args, db.env);
      expect(done.code, `${args.join(' ')}: ${done.stderr}`).to.equal(1);
      expect(done.stderr, args.join(' ')).to.match(message);
    }
    const { projects } = await runToolJson('admin', ['list-projects'], db.env);
    expect(projects.map((p: { name: string }) => p.name)).not.to.include('Orphan');
  });

  it('a bad configuration exits 1 naming the variable; an unreachable database exits 2 with one line saying so', async () => {
    const badConfig = await runTool('admin', ['list-projects'], { DATABASE_URL: 'mysql://somewhere/db' });
    expect(badConfig.code).to.equal(1);
    expect(badConfig.stderr).to.include('DATABASE_URL');

    const port = await sparePort();
    const down = await runTool('admin', ['list-projects'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere`, JWT_SECRET: TEST_JWT_SECRET });
    expect(down.code, down.stderr).to.equal(2);
    expect(down.stderr.trim().split('\n'), down.stderr).to.have.length(1);
    expect(down.stderr).to.include('connection refused').and.include('ECONNREFUSED');
  });
});
