/** Agent accounts. Emails are unique case-insensitively. */
import { v4 as uuidv4 } from 'uuid';
import type { Db } from '../db/executor.js';
import { isUniqueViolation } from '../db/errors.js';
import { AppError } from '../errors.js';

export interface Agent {
  id: string;
  email: string;
  fullname: string;
}

interface AgentRow {
  id: string;
  email: string;
  fullname: string;
  password_hash: string;
}

const toAgent = (row: AgentRow): Agent => ({ id: row.id, email: row.email, fullname: row.fullname });

export async function insertAgent(db: Db, input: { email: string; fullname: string; passwordHash: string }): Promise<Agent> {
  try {
    const [row] = await db<AgentRow>('agents')
      .insert({ id: uuidv4(), email: input.email, fullname: input.fullname, password_hash: input.passwordHash })
      .returning('*');
    return toAgent(row!);
  } catch (err) {
    if (isUniqueViolation(err, 'agents_email_lower_unique')) throw new AppError('CONFLICT', 'That email is already registered.');
    throw err;
  }
}

export async function findAgentWithPasswordByEmail(db: Db, email: string): Promise<{ agent: Agent; passwordHash: string } | null> {
  const row = await db<AgentRow>('agents').whereRaw('lower(email) = lower(?)', [email]).first();
  return row ? { agent: toAgent(row), passwordHash: row.password_hash } : null;
}

export async function findAgentById(db: Db, agentId: string): Promise<Agent | null> {
  const row = await db<AgentRow>('agents').where({ id: agentId }).first();
  return row ? toAgent(row) : null;
}

/** Replaces an agent's password hash (the admin CLI's reset-password). */
export async function setAgentPassword(db: Db, agentId: string, passwordHash: string): Promise<void> {
  await db('agents').where({ id: agentId }).update({ password_hash: passwordHash, updated_at: db.fn.now() });
}
