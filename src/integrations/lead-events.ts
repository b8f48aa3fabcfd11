/** Outbox events for many leads at once (CSV import): read back in chunks, one INSERT per chunk. */
import type { Db } from '../db/executor.js';
import { toLead, visitorIdsColumn, type LeadRow } from '../contacts/lead.store.js';
import { leadEvent, writeOutbox } from './outbox.js';

const CHUNK = 1000;

export async function writeLeadEvents(db: Db, projectId: string, type: 'lead.created' | 'lead.updated', leadIds: readonly string[]): Promise<void> {
  for (let i = 0; i < leadIds.length; i += CHUNK) {
    const ids = leadIds.slice(i, i + CHUNK);
    const rows = (await db('leads').where('project_id', projectId).whereIn('id', ids).select('leads.*', visitorIdsColumn(db))) as LeadRow[];
    // In the order of `leadIds` (the file's order), so their seqs follow it.
    const byId = new Map(rows.map((r) => [r.id, r]));
    await writeOutbox(db, ids.flatMap((id) => (byId.has(id) ? [leadEvent(type, toLead(byId.get(id)!))] : [])));
  }
}
