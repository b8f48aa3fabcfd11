/**
 * SIGNUP: `first` (the default) lets exactly one account sign up, even when sign-ups race;
 * `closed` lets nobody, and says how to get an account instead; `open` lets anyone. Each case runs
 * a real server on an empty database of its own (the suite's shared one has accounts already).
 */
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { api, uniqueEmail } from '../support/clients.js';
import { startApp } from '../support/start-app.js';
import { killAll, queryAt, startServer } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { ownDatabase, runToolJson, type OwnDatabase } from './selfhost-fixtures.js';

const PASSWORD = 'correct horse battery';
const signupAs = (url: string, email: string) => api(url, 'POST', '/v1/auth/signup', { body: { email, password: PASSWORD, fullname: 'Someone' } });
const login = (url: string, email: string) => api(url, 'POST', '/v1/auth/login', { body: { email, password: PASSWORD } });

function expectRefused(res: { status: number; body: any }, mode: 'first' | 'closed'): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(403);
  expect(res.body.error.code).to.equal('FORBIDDEN');
  expect(res.body.error.details).to.deep.equal({ signup: mode });
  // The message says how to get an account instead.
  expect(res.body.error.message).to.include(`SIGNUP=${mode}`).and.include('owner or admin').and.include('npm run admin -- create-agent');
}

describe('who may sign up (SIGNUP)', function () {
  this.timeout(180_000);
  const servers: ServerProcess[] = [];
  const databases: OwnDatabase[] = [];

  /** `withCli`: the admin CLI must reach the database too (embedded: a data folder, not memory). */
  async function serverOnEmptyDatabase(signup: string | undefined, options: { withCli?: boolean } = {}): Promise<{ server: ServerProcess; db: OwnDatabase }> {
    const db = await ownDatabase('signup', { onlyOneProcess: !options.withCli });
    databases.push(db);
    const server = await startServer({ ...db.env, SIGNUP: signup });
    servers.push(server);
    return { server, db };
  }

  afterEach(async () => {
    await killAll(servers.splice(0));
    for (const db of databases.splice(0)) await db.remove();
  });

  it('first, the default: the first account signs up, later ones are refused and are added by its owner instead', async () => {
    const { server } = await serverOnEmptyDatabase(undefined);
    const firstEmail = uniqueEmail('first');
    const first = await signupAs(server.url, firstEmail);
    expect(first.status, JSON.stringify(first.body)).to.equal(201);

    const secondEmail = uniqueEmail('second');
    expectRefused(await signupAs(server.url, secondEmail), 'first');
    expect((await login(server.url, secondEmail)).status).to.equal(401);

    // The way in for everyone else: the first account creates a project and adds them.
    const project = await api(server.url, 'POST', '/v1/projects', { token: first.body.token, body: { name: 'Acme' } });
    expect(project.status).to.equal(201);
    const added = await api(server.url, 'POST', `/v1/projects/${project.body.id}/agents`, {
      token: first.body.token,
      body: { email: secondEmail, password: PASSWORD, fullname: 'Second', role: 'agent' },
    });
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    expect((await login(server.url, secondEmail)).status).to.equal(200);
    // Still refused, now that two accounts exist.
    expectRefused(await signupAs(server.url, uniqueEmail('third')), 'first');
  });

  it('first: of ten sign-ups racing on an empty server exactly one gets an account', async () => {
    const { server, db } = await serverOnEmptyDatabase('first');
    const emails = Array.from({ length: 10 }, () => uniqueEmail('racer'));
    const answers = await Promise.all(emails.map((email) => signupAs(server.url, email)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses, JSON.stringify(answers.map((a) => a.body))).to.deep.equal([201, ...Array(9).fill(403)]);
    for (const refusedAnswer of answers.filter((a) => a.status === 403)) expectRefused(refusedAnswer, 'first');

    // Only the winner's account exists: exactly one of the ten can log in.
    const logins = await Promise.all(emails.map((email) => login(server.url, email)));
    expect(logins.filter((l) => l.status === 200)).to.have.length(1);
    const winner = emails[answers.findIndex((a) => a.status === 201)];
    expect(logins[emails.indexOf(winner!)]!.status).to.equal(200);
    if (db.url) expect(await queryAt(db.url, 'select count(*)::int as n from agents')).to.deep.equal([{ n: 1 }]);
  });

  it('closed: nobody signs up, not even the first; an account made with the admin CLI logs in and adds agents', async () => {
    const { server, db } = await serverOnEmptyDatabase('closed', { withCli: true });
    expectRefused(await signupAs(server.url, uniqueEmail('first')), 'closed');

    // What the refusal says to do. Embedded: the CLI reaches the database through the running server.
    const ownerEmail = uniqueEmail('owner');
    await runToolJson('admin', ['create-agent', '--email', ownerEmail, '--fullname', 'Olivia Owner', '--password-stdin'], db.env, { input: `${PASSWORD}\n` });
    const created = await runToolJson('admin', ['create-project', '--name', 'Closed Co', '--owner', ownerEmail], db.env);
    const owner = await login(server.url, ownerEmail);
    expect(owner.status, JSON.stringify(owner.body)).to.equal(200);

    const agentEmail = uniqueEmail('agent');
    const added = await api(server.url, 'POST', `/v1/projects/${created.project.id}/agents`, {
      token: owner.body.token,
      body: { email: agentEmail, password: PASSWORD, fullname: 'An Agent', role: 'agent' },
    });
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    expect((await login(server.url, agentEmail)).status).to.equal(200);
    expectRefused(await signupAs(server.url, uniqueEmail('late')), 'closed');
  });

  it('open: anyone signs up, however many accounts exist already', async () => {
    // The suite's shared database has plenty of accounts.
    const app = await startApp({ SIGNUP: 'open' });
    try {
      for (const email of [uniqueEmail('a'), uniqueEmail('b')]) {
        const res = await signupAs(app.url, email);
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
      }
    } finally {
      await app.close();
    }
  });

  it('the default is first; anything but open, first or closed stops the server at boot naming SIGNUP', () => {
    expect(loadConfig({}).signup).to.equal('first');
    expect(() => loadConfig({ SIGNUP: 'sometimes' })).to.throw(ConfigError, /SIGNUP/);
  });
});
