/** Public sign-up under the SIGNUP policy: open to anyone, only the first account, or closed. */
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { insertAgent, type Agent } from './agent.store.js';
import { hashPassword } from './passwords.js';

const HOW_TO_GET_AN_ACCOUNT =
  'Ask an owner or admin of a project to add you (POST /v1/projects/:projectId/agents), ' +
  'or the operator of this server to run `npm run admin -- create-agent`.';

function refused(mode: Config['signup']): AppError {
  const why =
    mode === 'closed'
      ? 'Sign-up is closed on this server (SIGNUP=closed).'
      : 'Sign-up is closed: this server already has its first account (SIGNUP=first).';
  return new AppError('FORBIDDEN', `${why} ${HOW_TO_GET_AN_ACCOUNT}`, { signup: mode });
}

const anyAgent = async (db: Knex | Knex.Transaction) => (await db('agents').first('id')) !== undefined;

/**
 * Creates the account, or refuses with FORBIDDEN as the policy says. With `first`, two sign-ups
 * racing on an empty server cannot both win: each takes a lock on `agents` that conflicts with
 * itself and with inserts, then looks again, so the second sees the first's committed account.
 */
export async function signUp(knex: Knex, mode: Config['signup'], input: { email: string; fullname: string; password: string }): Promise<Agent> {
  if (mode === 'closed') throw refused(mode);
  // Cheap refusal first: a server that has its accounts answers without hashing or locking.
  if (mode === 'first' && (await anyAgent(knex))) throw refused(mode);
  const passwordHash = await hashPassword(input.password);
  if (mode === 'open') return insertAgent(knex, { email: input.email, fullname: input.fullname, passwordHash });
  return knex.transaction(async (trx) => {
    await trx.raw('lock table agents in share row exclusive mode');
    if (await anyAgent(trx)) throw refused(mode);
    return insertAgent(trx, { email: input.email, fullname: input.fullname, passwordHash });
  });
}
