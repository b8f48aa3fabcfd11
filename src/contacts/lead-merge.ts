/** Merging two leads into one: the target keeps its id and takes the source's conversations, visitor ids and notes. */
import type { Knex } from 'knex';
import type { Db } from '../db/executor.js';
import { AppError } from '../errors.js';
import { attributesOverLimits } from '../validation.js';
import { listConversationsOfLead, type Conversation } from '../conversations/conversation.store.js';
import { findLead, toLead, type Lead, type LeadRow } from './lead.store.js';
import { listNotes, type Note } from './note.store.js';
import { leadMergedEvent, writeOutbox } from '../integrations/outbox.js';

export interface MergeResult {
  lead: Lead;
  sourceLeadId: string;
  movedVisitorIds: string[];
  movedConversationIds: string[];
}

export interface MergePreview {
  /** The target as it would be after the merge. */
  lead: Lead;
  /** What would move from the source. */
  conversations: Conversation[];
  visitorIds: string[];
  notes: Note[];
}

/** The plain columns where the target's non-empty value wins and an empty (null) one takes the source's. */
const FILLED_COLUMNS = ['external_id', 'fullname', 'first_name', 'last_name', 'email', 'phone'] as const;

const notFound = () => new AppError('NOT_FOUND', 'No such lead in this project.');

/** Merging a lead into itself would delete it (chatwoot#2486): refused before anything is read. */
function assertNotItself(targetId: string, sourceId: string): void {
  if (targetId === sourceId) throw new AppError('CONFLICT', 'A lead cannot be merged into itself.');
}

/** Both leads of this project; two identified people are never one. */
function assertMergeable(projectId: string, targetId: string, sourceId: string, rows: LeadRow[]): { target: LeadRow; source: LeadRow } {
  const target = rows.find((r) => r.id === targetId && r.project_id === projectId);
  const source = rows.find((r) => r.id === sourceId && r.project_id === projectId);
  if (!target || !source) throw notFound();
  if (target.external_id !== null && source.external_id !== null && target.external_id !== source.external_id) {
    throw new AppError('CONFLICT', 'Both leads have an externalId: they are two distinct identified people.');
  }
  return { target, source };
}

/** The target's row after the merge (pure: the preview and the merge share it). */
function mergedRow(target: LeadRow, source: LeadRow): LeadRow {
  const merged: LeadRow = { ...target };
  for (const column of FILLED_COLUMNS) merged[column] = target[column] ?? source[column];
  // Key by key, the target winning: jsonb `source || target`, within the attribute limits.
  merged.attributes = mergedAttributes(target.attributes ?? {}, source.attributes ?? {});
  merged.tags = [...new Set([...target.tags, ...source.tags])];
  merged.verified = target.verified || source.verified;
  // The flag belongs to the email: it follows whichever email is kept.
  merged.email_from_identity = target.email !== null ? target.email_from_identity : source.email !== null && source.email_from_identity;
  merged.last_seen_at = later(target.last_seen_at, source.last_seen_at);
  return merged;
}

/**
 * The target's attributes and the source's other keys. Past ATTRIBUTES_LIMITS (merging two
 * full leads, or many anonymous leads into one identified lead), the source's keys that do not
 * fit are left out, so that merges cannot grow a lead without bound; the target's stay.
 */
function mergedAttributes(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const union = { ...source, ...target };
  if (attributesOverLimits(union) === null) return union;
  const merged = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (Object.hasOwn(merged, key)) continue;
    merged[key] = value;
    if (attributesOverLimits(merged) !== null) delete merged[key];
  }
  return merged;
}

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null || b === null) return a ?? b;
  return new Date(a).getTime() >= new Date(b).getTime() ? a : b;
}

/**
 * Inside the caller's transaction: moves source's conversations, visitor ids and notes to
 * target, fills target's empty fields, deletes source.
 *
 * Lock order, shared by every writer so that none of them deadlocks with another: visitor
 * rows (by id; `conversation:start` locks its visitor first), then lead rows (by id), then
 * conversation rows (by id, as the message writer locks them). A concurrent B←A that waited
 * on these locks finds one of its leads gone: NOT_FOUND.
 */
export async function mergeLeads(trx: Knex.Transaction, projectId: string, targetId: string, sourceId: string): Promise<MergeResult> {
  assertNotItself(targetId, sourceId);
  await trx('visitors').where('project_id', projectId).whereIn('lead_id', [targetId, sourceId]).orderBy('id').forUpdate().select('id');
  const rows: LeadRow[] = await trx('leads').where('project_id', projectId).whereIn('id', [targetId, sourceId]).orderBy('id').forUpdate().select('*');
  const { target, source } = assertMergeable(projectId, targetId, sourceId, rows);
  // Without this, the UPDATE below would lock them in its scan order, against the writer's id order.
  await trx('conversations').where({ project_id: projectId, lead_id: sourceId }).orderBy('id').forUpdate().select('id');

  const moved = { project_id: projectId, lead_id: sourceId };
  const visitors: { id: string }[] = await trx('visitors').where(moved).update({ lead_id: targetId }).returning('id');
  const conversations: { id: string }[] = await trx('conversations').where(moved).update({ lead_id: targetId, updated_at: trx.fn.now() }).returning('id');
  await trx('lead_notes').where(moved).update({ lead_id: targetId });
  // The source goes before the target takes its externalId: the unique index is not deferrable.
  await trx('leads').where({ id: sourceId, project_id: projectId }).delete();

  const merged = mergedRow(target, source);
  await trx('leads')
    .where({ id: targetId, project_id: projectId })
    .update({
      ...Object.fromEntries(FILLED_COLUMNS.map((c) => [c, merged[c]])),
      attributes: JSON.stringify(merged.attributes),
      tags: merged.tags,
      verified: merged.verified,
      email_from_identity: merged.email_from_identity,
      last_seen_at: merged.last_seen_at,
      updated_at: trx.fn.now(),
    });
  const lead = (await findLead(trx, projectId, targetId))!;
  await writeOutbox(trx, [leadMergedEvent(lead, sourceId)]);
  return {
    lead,
    sourceLeadId: sourceId,
    movedVisitorIds: visitors.map((v) => v.id),
    movedConversationIds: conversations.map((c) => c.id),
  };
}

/** What `mergeLeads` would do, as of now; writes nothing and locks nothing. */
export async function previewMerge(db: Db, projectId: string, targetId: string, sourceId: string): Promise<MergePreview> {
  assertNotItself(targetId, sourceId);
  const rows: LeadRow[] = await db('leads').where('project_id', projectId).whereIn('id', [targetId, sourceId]).select('*');
  const { target, source } = assertMergeable(projectId, targetId, sourceId, rows);
  // Both leads' visitor ids in the order a Lead lists them (oldest first).
  const visitors: { id: string; lead_id: string }[] = await db('visitors')
    .where('project_id', projectId)
    .whereIn('lead_id', [targetId, sourceId])
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .select('id', 'lead_id');
  const lead = toLead({ ...mergedRow(target, source), visitor_ids: visitors.map((v) => v.id) });
  return {
    lead,
    conversations: await listConversationsOfLead(db, projectId, sourceId),
    visitorIds: visitors.filter((v) => v.lead_id === sourceId).map((v) => v.id),
    notes: await listNotes(db, projectId, sourceId),
  };
}
