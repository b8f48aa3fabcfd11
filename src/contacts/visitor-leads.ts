/** A visitor's lead, created lazily at its first pre-chat form or conversation. */
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { insertLead, updateLead, type Lead, type LeadChanges } from './lead.store.js';
import { findVisitor, lockVisitor, setVisitorLead } from './visitor.store.js';
import type { Db } from '../db/executor.js';

export interface VisitorRef {
  projectId: string;
  visitorId: string;
}

/**
 * Returns the visitor's lead id, creating the lead inside `trx` if it has none.
 * The visitor row stays locked until `trx` ends, so concurrent tabs agree on one lead.
 */
export async function ensureLeadOfVisitor(trx: Knex.Transaction, ref: VisitorRef): Promise<{ leadId: string; created: boolean }> {
  const visitor = await lockVisitor(trx, ref.projectId, ref.visitorId);
  if (!visitor) throw new AppError('UNAUTHENTICATED', 'This visitor no longer exists; reconnect without a token.');
  if (visitor.leadId) return { leadId: visitor.leadId, created: false };
  const lead = await insertLead(trx, ref.projectId, { lastSeen: true });
  await setVisitorLead(trx, ref.projectId, visitor.id, lead.id);
  return { leadId: lead.id, created: true };
}

/** The pre-chat form: sets the given fields on the visitor's lead (creating it first if needed). */
export async function updateLeadOfVisitor(knex: Knex, ref: VisitorRef, fields: LeadChanges): Promise<{ lead: Lead; created: boolean }> {
  return knex.transaction(async (trx) => {
    const { leadId, created } = await ensureLeadOfVisitor(trx, ref);
    const lead = await updateLead(trx, ref.projectId, leadId, fields);
    return { lead: lead!, created };
  });
}

/** The lead id of a visitor now (it may change when leads are merged), or null before it has one. */
export async function leadIdOfVisitor(db: Db, ref: VisitorRef): Promise<string | null> {
  const visitor = await findVisitor(db, ref.projectId, ref.visitorId);
  if (!visitor) throw new AppError('UNAUTHENTICATED', 'This visitor no longer exists; reconnect without a token.');
  return visitor.leadId;
}
