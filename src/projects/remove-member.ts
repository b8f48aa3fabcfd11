/** Removing a member from a project: who may, the last owner, and what the membership takes with it. */
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { toConversation, type Conversation, type ConversationRow } from '../conversations/conversation.store.js';
import { countOwners, deleteMember, findMembership, type Membership } from './member.store.js';
import { conversationEvent, writeOutbox } from '../integrations/outbox.js';

/**
 * Removes `agentId` from the caller's project in one transaction, as if it had left every
 * conversation of the project: it stops following them, the open ones assigned to it go back
 * to the queue (`unassigned`), and the closed ones lose their assignee (so that reopening one
 * never hands it to someone who is gone, as with conversation:leave). Returns the conversations
 * that changed, for the caller to tell everyone.
 * Owners may remove anyone (themselves too); admins may remove admins and agents.
 */
export function removeMember(knex: Knex, caller: Membership, agentId: string): Promise<{ changed: Conversation[] }> {
  const { projectId } = caller;
  return knex.transaction(async (trx) => {
    // One membership removal at a time per project, so that two owners removing each other at
    // once cannot leave it with none. NO KEY UPDATE: inserts that reference the project go on.
    await trx('projects').where({ id: projectId }).forNoKeyUpdate().first('id');
    const me = await findMembership(trx, projectId, caller.agentId);
    if (!me || me.role === 'agent') throw new AppError('FORBIDDEN', 'Only owners and admins may remove members.');
    const target = await findMembership(trx, projectId, agentId);
    if (!target) throw new AppError('NOT_FOUND', 'No such agent in this project.');
    if (target.role === 'owner' && me.role !== 'owner') throw new AppError('FORBIDDEN', 'Only an owner may remove an owner.');
    if (target.role === 'owner' && (await countOwners(trx, projectId)) <= 1) {
      throw new AppError('CONFLICT', 'The last owner of a project cannot be removed; make someone else an owner first.');
    }
    // Conversations before the membership row: the order conversation:join takes its locks in.
    const changed = await clearAssignee(trx, projectId, agentId);
    await stopFollowing(trx, projectId, agentId);
    await deleteMember(trx, projectId, agentId);
    return { changed };
  });
}

async function clearAssignee(trx: Knex.Transaction, projectId: string, agentId: string): Promise<Conversation[]> {
  const theirs = { project_id: projectId, assignee_id: agentId };
  // Locked in id order first, as the message writer locks conversations, so neither waits on the other in a cycle.
  await trx('conversations').where(theirs).orderBy('id').forUpdate().select('id');
  const rows: ConversationRow[] = await trx('conversations')
    .where(theirs)
    .update({ status: trx.raw(`case when status = 'assigned' then 'unassigned' else status end`), assignee_id: null, updated_at: trx.fn.now() })
    .returning('*');
  await writeOutbox(trx, rows.map((row) => conversationEvent('conversation.updated', toConversation(row))));
  return rows.map(toConversation);
}

async function stopFollowing(trx: Knex.Transaction, projectId: string, agentId: string): Promise<void> {
  await trx('conversation_participants')
    .where({ agent_id: agentId })
    .whereIn('conversation_id', trx('conversations').where({ project_id: projectId }).select('id'))
    .delete();
}
