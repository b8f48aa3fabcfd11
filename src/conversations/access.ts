/** Who may see and who may change a conversation. Other projects' and other leads' records are NOT_FOUND. */
import type { Db } from '../db/executor.js';
import { AppError } from '../errors.js';
import type { Actor, AgentActor } from './actor.js';
import type { Sender } from './message.store.js';
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

/** What the group commit read, under its lock, about one message to be written. */
export interface LockedWrite {
  projectId: string;
  sender: Sender;
  conversation: { lead_id: string; assignee_id: string | null };
  participants: string[];
}

/**
 * conversationFor + assertMayWrite for a whole batch, run by the group commit under the
 * conversations' locks (the caller has already checked each conversation's project): a
 * visitor writes only in its own lead's conversations (NOT_FOUND otherwise), an agent only as
 * assignee, participant, owner or admin (FORBIDDEN). At most two index lookups per batch.
 */
export async function refusalsUnderLock(db: Db, writes: LockedWrite[]): Promise<(AppError | null)[]> {
  const visitorIds = [...new Set(writes.filter((w) => w.sender.type === 'visitor').map((w) => w.sender.id!))];
  const visitors: { id: string; project_id: string; lead_id: string | null }[] =
    visitorIds.length > 0 ? await db('visitors').whereIn('id', visitorIds).select('id', 'project_id', 'lead_id') : [];
  const leadOf = new Map(visitors.map((v) => [v.id, v]));
  const needsRole = writes.filter((w) => w.sender.type === 'agent' && w.conversation.assignee_id !== w.sender.id && !w.participants.includes(w.sender.id!));
  const pairs = [...new Map(needsRole.map((w) => [`${w.projectId}/${w.sender.id}`, [w.projectId, w.sender.id!]])).values()];
  const members: { project_id: string; agent_id: string; role: string }[] =
    pairs.length > 0 ? await db('project_members').whereIn(['project_id', 'agent_id'], pairs).select('project_id', 'agent_id', 'role') : [];
  const roleOf = new Map(members.map((m) => [`${m.project_id}/${m.agent_id}`, m.role]));
  return writes.map((w) => {
    if (w.sender.type === 'visitor') {
      const visitor = leadOf.get(w.sender.id!);
      return visitor && visitor.project_id === w.projectId && visitor.lead_id !== null && visitor.lead_id === w.conversation.lead_id ? null : notFound();
    }
    if (w.sender.type !== 'agent' || w.conversation.assignee_id === w.sender.id || w.participants.includes(w.sender.id!)) return null;
    const role = roleOf.get(`${w.projectId}/${w.sender.id}`);
    return role === 'owner' || role === 'admin' ? null : forbidden();
  });
}
