/** SQL of routing: the per-project lock, agents' load, the waiting queue, declines and when agents were last seen. */
import type { Knex } from 'knex';
import type { Db } from '../db/executor.js';
import { toConversation, type Conversation, type ConversationRow } from '../conversations/conversation.store.js';
import type { Routing } from '../projects/project.store.js';

/** First key of the two-key advisory locks routing takes; the second is the project's hash. */
const ROUTING_LOCK_CLASS = 7_242_001;

/**
 * Serialises routing decisions of one project across every process until `trx` ends. Taken
 * first in its transaction (before any row lock), so it never closes a cycle with row locks.
 * With `tryOnly`, answers false instead of waiting when another decision is under way.
 */
export async function lockProjectRouting(trx: Knex.Transaction, projectId: string, options: { tryOnly?: boolean } = {}): Promise<boolean> {
  if (options.tryOnly) {
    const { rows } = await trx.raw('select pg_try_advisory_xact_lock(?, hashtext(?)) as locked', [ROUTING_LOCK_CLASS, projectId]);
    return Boolean(rows[0]?.locked);
  }
  await trx.raw('select pg_advisory_xact_lock(?, hashtext(?))', [ROUTING_LOCK_CLASS, projectId]);
  return true;
}

export interface RoutingSettings {
  routing: Routing;
  defaultMaxConcurrent: number;
}

export async function routingSettings(db: Db, projectId: string): Promise<RoutingSettings | null> {
  const row = await db('projects').where({ id: projectId }).first('routing', 'default_max_concurrent');
  return row ? { routing: row.routing as Routing, defaultMaxConcurrent: row.default_max_concurrent as number } : null;
}

export interface AgentLoad {
  agentId: string;
  /** Open assigned conversations, counted in the database. */
  open: number;
  /** The member's own limit, else the project's default; 0 means no limit. */
  capacity: number;
  lastAssignedAt: Date | null;
}

/** Every member of the project with room for one more conversation (by the database's count). */
export async function agentsWithSpareCapacity(db: Db, projectId: string, defaultMaxConcurrent: number): Promise<AgentLoad[]> {
  const rows: { agent_id: string; max_concurrent: number | null; last_assigned_at: Date | null; open: number | string }[] = await db('project_members as m')
    .where('m.project_id', projectId)
    .select(
      'm.agent_id',
      'm.max_concurrent',
      'm.last_assigned_at',
      db.raw(`(select count(*) from conversations c where c.project_id = m.project_id and c.assignee_id = m.agent_id and c.status = 'assigned') as open`),
    );
  return rows
    .map((r) => ({ agentId: r.agent_id, open: Number(r.open), capacity: r.max_concurrent ?? defaultMaxConcurrent, lastAssignedAt: r.last_assigned_at }))
    .filter((a) => a.capacity === 0 || a.open < a.capacity);
}

/** Ids of the oldest waiting conversations, head of the queue first. Locks nothing. */
export async function oldestWaiting(db: Db, projectId: string, limit: number): Promise<string[]> {
  const rows: { id: string }[] = await db('conversations')
    .where({ project_id: projectId, status: 'unassigned' })
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .limit(limit)
    .select('id');
  return rows.map((r) => r.id);
}

/**
 * Locks those of `ids` that still wait, skipping rows another transaction holds (a message
 * being written, a join under way): routing never waits on a row lock, so it cannot deadlock.
 */
export async function lockStillWaiting(trx: Knex.Transaction, projectId: string, ids: string[]): Promise<Map<string, Conversation>> {
  const rows: ConversationRow[] = await trx('conversations')
    .where({ project_id: projectId, status: 'unassigned' })
    .whereIn('id', ids)
    .orderBy('id')
    .forUpdate()
    .skipLocked()
    .select('*');
  return new Map(rows.map((r) => [r.id, toConversation(r)]));
}

/** Which agents left which of these conversations (routing does not give them back). */
export async function declinesOf(db: Db, conversationIds: string[]): Promise<Map<string, Set<string>>> {
  const byConversation = new Map<string, Set<string>>();
  if (conversationIds.length === 0) return byConversation;
  const rows: { conversation_id: string; agent_id: string }[] = await db('conversation_declines').whereIn('conversation_id', conversationIds).select('conversation_id', 'agent_id');
  for (const r of rows) byConversation.set(r.conversation_id, (byConversation.get(r.conversation_id) ?? new Set()).add(r.agent_id));
  return byConversation;
}

/** The agent left the conversation it was assigned: routing will not hand it back to them. */
export async function recordDecline(db: Db, conversationId: string, agentId: string): Promise<void> {
  await db('conversation_declines').insert({ conversation_id: conversationId, agent_id: agentId }).onConflict(['conversation_id', 'agent_id']).ignore();
}

/** `clock_timestamp()`, not `now()`: several assignments in one transaction keep their order for the tie-break. */
export async function markAssignedNow(db: Db, projectId: string, agentId: string): Promise<void> {
  await db('project_members').where({ project_id: projectId, agent_id: agentId }).update({ last_assigned_at: db.raw('clock_timestamp()') });
}

/** These agents are connected to these projects now (a process vouches for its own sockets). */
export async function markSeenOnline(db: Db, members: { projectId: string; agentId: string }[]): Promise<void> {
  if (members.length === 0) return;
  await db('project_members')
    .whereIn(
      ['project_id', 'agent_id'],
      members.map((m) => [m.projectId, m.agentId]),
    )
    .update({ last_online_at: db.fn.now() });
}
