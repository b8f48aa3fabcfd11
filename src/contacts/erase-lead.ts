/** Erasing a contact: the lead, its conversations, messages, notes and visitor ids, in one transaction. */
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { leadDeletedEvent, writeOutbox } from '../integrations/outbox.js';

/**
 * Deletes the lead and everything hanging off it; answers the visitor ids that were erased,
 * so the caller can disconnect their sockets. Locks follow the order every writer uses
 * (visitors, then the lead), so a visitor starting a conversation at that moment either
 * lands before the erase (and is erased with it) or finds its visitor gone (UNAUTHENTICATED).
 */
export function eraseLead(knex: Knex, projectId: string, leadId: string): Promise<{ visitorIds: string[] }> {
  return knex.transaction(async (trx) => {
    await trx('visitors').where({ project_id: projectId, lead_id: leadId }).orderBy('id').forUpdate().select('id');
    const lead = await trx('leads').where({ id: leadId, project_id: projectId }).forUpdate().first('id');
    if (!lead) throw new AppError('NOT_FOUND', 'No such lead in this project.');
    // Visitors first, by hand, to learn every id (a merge may have moved some in while we waited).
    const visitors: { id: string }[] = await trx('visitors').where({ project_id: projectId, lead_id: leadId }).delete().returning('id');
    // Conversations (with their messages and participants) and notes go by ON DELETE CASCADE.
    await trx('leads').where({ id: leadId, project_id: projectId }).delete();
    await writeOutbox(trx, [leadDeletedEvent(projectId, leadId)]);
    return { visitorIds: visitors.map((v) => v.id) };
  });
}
