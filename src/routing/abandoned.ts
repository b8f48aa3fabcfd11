/**
 * Conversations left with an agent who is gone: no process has seen the agent connected (nor
 * assigned it anything) for the grace period. They return to the queue, the oldest first in it.
 */
import type { Knex } from 'knex';
import type { Db } from '../db/executor.js';
import { removeParticipant, toConversation, type Conversation, type ConversationRow } from '../conversations/conversation.store.js';
import { lockProjectRouting } from './routing.store.js';
import { conversationEvent, writeOutbox } from '../integrations/outbox.js';

export interface MemberRef {
  projectId: string;
  agentId: string;
}

/**
 * The grace clock: the later of the last time the agent was seen connected and its last
 * assignment (a conversation transferred to an agent who is away from the keyboard gets
 * the full grace period too). Never seen and never assigned: the clock is long run out.
 */
const GONE = `coalesce(greatest(m.last_online_at, m.last_assigned_at), '-infinity'::timestamptz) < now() - make_interval(secs => ?)`;
const HAS_OPEN = `exists (select 1 from conversations c where c.project_id = m.project_id and c.assignee_id = m.agent_id and c.status = 'assigned')`;

/** Members with open conversations whose grace period ran out, by the database's clock. */
export async function goneAssignees(db: Db, graceSeconds: number, limit: number): Promise<MemberRef[]> {
  const rows: { project_id: string; agent_id: string }[] = await db('project_members as m')
    .whereRaw(GONE, [graceSeconds])
    .whereRaw(HAS_OPEN)
    .limit(limit)
    .select('m.project_id', 'm.agent_id');
  return rows.map((r) => ({ projectId: r.project_id, agentId: r.agent_id }));
}

/**
 * Takes the member's open conversations back into the queue (they stop following them), if
 * its grace period has still run out under the project's routing lock. Rows someone holds
 * right now are skipped; the next sweep takes them.
 */
export function requeueConversationsOf(knex: Knex, member: MemberRef, graceSeconds: number): Promise<Conversation[]> {
  return knex.transaction(async (trx) => {
    await lockProjectRouting(trx, member.projectId);
    const stillGone = await trx('project_members as m')
      .where({ 'm.project_id': member.projectId, 'm.agent_id': member.agentId })
      .whereRaw(GONE, [graceSeconds])
      .first('m.agent_id');
    if (!stillGone) return [];
    const rows: ConversationRow[] = await trx('conversations')
      .where({ project_id: member.projectId, assignee_id: member.agentId, status: 'assigned' })
      .orderBy('id')
      .forUpdate()
      .skipLocked()
      .select('id');
    if (rows.length === 0) return [];
    const updated: ConversationRow[] = await trx('conversations')
      .where({ project_id: member.projectId })
      .whereIn(
        'id',
        rows.map((r) => r.id),
      )
      .update({ status: 'unassigned', assignee_id: null, updated_at: trx.fn.now() })
      .returning('*');
    for (const row of updated) await removeParticipant(trx, row.id, member.agentId);
    await writeOutbox(trx, updated.map((row) => conversationEvent('conversation.updated', toConversation(row))));
    return updated.map(toConversation);
  });
}
