/** Who may see and who may change a conversation. Other projects' and other leads' records are NOT_FOUND. */
import type { Db } from '../db/executor.js';
import { AppError } from '../errors.js';
import type { Actor, AgentActor } from './actor.js';
import { toConversation, type Conversation, type ConversationRow } from './conversation.store.js';

const notFound = () => new AppError('NOT_FOUND', 'No such conversation in this project.');
const forbidden = () => new AppError('FORBIDDEN', 'Only the assignee, agents who joined, owners and admins may do this.');

/**
 * The conversation if the actor may see it: a visitor only its own lead's, an agent any of
 * its project's. With `lock`, the row stays locked until the surrounding transaction ends.
 */
export async function conversationFor(db: Db, actor: Actor, conversationId: string, options: { lock?: boolean } = {}): Promise<Conversation> {
  const query = db('conversations as c').where({ 'c.id': conversationId, 'c.project_id': actor.projectId });
  if (actor.type === 'visitor') {
    query.whereIn('c.lead_id', db('visitors').where({ id: actor.visitorId, project_id: actor.projectId }).whereNotNull('lead_id').select('lead_id'));
  }
  if (options.lock) query.forUpdate();
  const row = (await query.first('c.*')) as ConversationRow | undefined;
  if (!row) throw notFound();
  return toConversation(row);
}

/**
 * Sending, closing, reopening and transferring: the conversation's assignee, the agents who
 * joined it, and the project's owners and admins.
 */
export async function assertMayWrite(db: Db, agent: AgentActor, conversation: Conversation): Promise<void> {
  if (conversation.assigneeId === agent.agentId) return;
  const row = (await db
    .first(
      db.raw('(select role from project_members where project_id = ? and agent_id = ?) as role', [agent.projectId, agent.agentId]),
      db.raw('exists (select 1 from conversation_participants where conversation_id = ? and agent_id = ?) as participant', [conversation.id, agent.agentId]),
    )) as { role: string | null; participant: boolean };
  if (row.participant || row.role === 'owner' || row.role === 'admin') return;
  throw forbidden();
}
