/**
 * The README's quick tour is examples/tour.mjs, run here as a reader would: against a live
 * server, twice (the second run logs in instead of signing up), and where it must fail — a server
 * whose sign-up is closed, no server at all — it exits 1 by itself, saying what went wrong.
 */
import { expect } from 'chai';
import { uniqueEmail } from '../support/clients.js';
import { killAll, startServer } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { sparePort } from '../support/throwaway-postgres.js';
import { runNode } from './selfhost-fixtures.js';

const tour = (url: string, env: Record<string, string | undefined> = {}) => runNode(['examples/tour.mjs', url], env, { timeoutMs: 60_000 });

describe('the quick tour (examples/tour.mjs)', function () {
  this.timeout(180_000);
  const servers: ServerProcess[] = [];
  after(() => killAll(servers));

  it('runs against a live server, exits 0 by itself, and runs again', async () => {
    const server = await startServer();
    servers.push(server);
    const env = { TOUR_EMAIL: uniqueEmail('ada') };
    const first = await tour(server.url, env);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    expect(first.stdout).to.include(`agent ${env.TOUR_EMAIL}: signed up`);
    expect(first.stdout).to.include('visitor: Hello!').and.include('agent: Hi Grace, how can I help?').and.include('tour complete');

    const second = await tour(server.url, env);
    expect(second.code, second.stdout + second.stderr).to.equal(0);
    expect(second.stdout).to.include(`agent ${env.TOUR_EMAIL}: logged in`).and.include('agent: Hi Grace, how can I help?');
  });

  it('says what went wrong and exits 1: sign-up closed and no account, no server', async () => {
    const closed = await startServer({ SIGNUP: 'closed' });
    servers.push(closed);
    const refused = await tour(closed.url, { TOUR_EMAIL: uniqueEmail('nobody') });
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('tour failed while logging in').and.include('Sign-up is closed').and.include('npm run admin -- create-agent');

    const nowhere = `http://127.0.0.1:${await sparePort()}`;
    const unreachable = await tour(nowhere);
    expect(unreachable.code).to.equal(1);
    expect(unreachable.stderr).to.include(`cannot reach ${nowhere}`).and.include('ECONNREFUSED').and.include('npm start');
  });
});
