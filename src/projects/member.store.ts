/** Project membership: which agents work in which project, with what role. */
import type { Db } from '../db/executor.js';
import { isUniqueViolation } from '../db/errors.js';
import { AppError } from '../errors.js';

export type Role = 'owner' | 'admin' | 'agent';

export interface Membership {
  projectId: string;
  agentId: string;
  role: Role;
  maxConcurrent: number | null;
}

export interface MemberRecord {
  id: string;
  email: string;
  fullname: string;
  role: Role;
  maxConcurrent: number | null;
  openConversations: number;
}

export async function insertMember(db: Db, input: { projectId: string; agentId: string; role: Role }): Promise<void> {
  try {
    await db('project_members').insert({ project_id: input.projectId, agent_id: input.agentId, role: input.role });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'That agent is already a member of this project.');
    throw err;
  }
}

export async function findMembership(db: Db, projectId: string, agentId: string): Promise<Membership | null> {
  const row = await db('project_members').where({ project_id: projectId, agent_id: agentId }).first();
  return row ? { projectId, agentId, role: row.role as Role, maxConcurrent: row.max_concurrent as number | null } : null;
}

/** What a project route needs to know about its caller, in one round trip (src/http/authenticate.ts). */
export interface Access {
  agentExists: boolean;
  projectExists: boolean;
  membership: Membership | null;
}

// One row whatever exists: the left join yields the membership or nulls. Raw SQL: this runs on
// every project route, and knex's builder costs more than the round trip saves at this size.
const ACCESS_SQL = `select exists(select 1 from agents where id = ?) as agent_exists,
  exists(select 1 from projects where id = ?) as project_exists,
  m.role, m.max_concurrent
  from (select 1) as one
  left join project_members m on m.project_id = ? and m.agent_id = ?`;

/** The caller's agent, the project and the membership together. Both ids must be UUIDs. */
export async function findAccess(db: Db, projectId: string, agentId: string): Promise<Access> {
  // A named (prepared) statement on PostgreSQL (PGlite ignores the name): parsed once per
  // connection, not on every request (≈ 0.1 ms of a lead lookup here). Its columns are listed,
  // so a migration that adds columns cannot change its result type; its three lookups are by
  // primary key, so a kept plan can only scan a table small enough for that to be cheaper, and
  // autovacuum's ANALYZE replaces the plan as the table grows.
  const { rows } = (await db.raw(ACCESS_SQL, [agentId, projectId, projectId, agentId]).options({ name: 'pingstreams_find_access' })) as {
    rows: { agent_exists: boolean; project_exists: boolean; role: Role | null; max_concurrent: number | null }[];
  };
  const row = rows[0]!;
  return {
    agentExists: row.agent_exists,
    projectExists: row.project_exists,
    membership: row.role === null ? null : { projectId, agentId, role: row.role, maxConcurrent: row.max_concurrent },
  };
}

const memberColumns = (db: Db) => [
  'a.id',
  'a.email',
  'a.fullname',
  'm.role',
  'm.max_concurrent',
  db.raw(
    `(select count(*) from conversations c where c.project_id = m.project_id and c.assignee_id = m.agent_id and c.status = 'assigned') as open_conversations`,
  ),
];

interface MemberRow {
  id: string;
  email: string;
  fullname: string;
  role: Role;
  max_concurrent: number | null;
  open_conversations: number | string;
}

const toMember = (row: MemberRow): MemberRecord => ({
  id: row.id,
  email: row.email,
  fullname: row.fullname,
  role: row.role,
  maxConcurrent: row.max_concurrent,
  openConversations: Number(row.open_conversations),
});

export async function listMembers(db: Db, projectId: string): Promise<MemberRecord[]> {
  const rows: MemberRow[] = await db('project_members as m')
    .join('agents as a', 'a.id', 'm.agent_id')
    .where('m.project_id', projectId)
    .orderBy('m.created_at', 'asc')
    .select(memberColumns(db));
  return rows.map(toMember);
}

export async function findMember(db: Db, projectId: string, agentId: string): Promise<MemberRecord | null> {
  const row: MemberRow | undefined = await db('project_members as m')
    .join('agents as a', 'a.id', 'm.agent_id')
    .where({ 'm.project_id': projectId, 'm.agent_id': agentId })
    .first(memberColumns(db));
  return row ? toMember(row) : null;
}

export async function countOwners(db: Db, projectId: string): Promise<number> {
  const row = await db('project_members').where({ project_id: projectId, role: 'owner' }).count<{ count: string | number }>({ count: '*' }).first();
  return Number(row?.count ?? 0);
}

/** Ends a membership; the agent's account stays. */
export async function deleteMember(db: Db, projectId: string, agentId: string): Promise<void> {
  await db('project_members').where({ project_id: projectId, agent_id: agentId }).delete();
}
