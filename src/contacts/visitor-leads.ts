/** A visitor's lead: created lazily at its first pre-chat form or conversation, or given by a signed identity. */
import type { Knex } from 'knex';
import { v4 as uuidv4 } from 'uuid';
import { AppError } from '../errors.js';
import { insertLead, updateLead, type Lead, type LeadChanges } from './lead.store.js';
import { applyIdentity, ensureIdentifiedLead, identityOfLead, lockLeadEmail, type IdentityClaims, type LeadIdentity } from './identity.js';
import { mergeLeads } from './lead-merge.js';
import { findVisitor, insertVisitor, lockVisitor, setVisitorLead, type Visitor } from './visitor.store.js';
import type { Db } from '../db/executor.js';
import { leadEvent, writeOutbox } from '../integrations/outbox.js';

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
  await writeOutbox(trx, [leadEvent('lead.created', { ...lead, visitorIds: [visitor.id] })]);
  return { leadId: lead.id, created: true };
}

/**
 * The pre-chat form: sets the given fields on the visitor's lead (creating it first if needed).
 * An email a signed identity gave stays: another one is FORBIDDEN, the same one (any case) a no-op.
 */
export async function updateLeadOfVisitor(knex: Knex, ref: VisitorRef, fields: LeadChanges): Promise<{ lead: Lead; created: boolean }> {
  return knex.transaction(async (trx) => {
    const { leadId, created } = await ensureLeadOfVisitor(trx, ref);
    const changes = { ...fields };
    if (changes.email !== undefined) {
      const current = await lockLeadEmail(trx, ref.projectId, leadId);
      if (current?.fromIdentity) {
        if (sameEmail(changes.email, current.email)) delete changes.email;
        else throw new AppError('FORBIDDEN', 'This email comes from your signed-in identity and cannot be changed here.');
      }
    }
    const lead = await updateLead(trx, ref.projectId, leadId, changes);
    await writeOutbox(trx, [leadEvent('lead.updated', lead!)]);
    return { lead: lead!, created };
  });
}

const sameEmail = (a: string | null | undefined, b: string | null) => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

/** The lead id of a visitor now (it may change when leads are merged), or null before it has one. */
export async function leadIdOfVisitor(db: Db, ref: VisitorRef): Promise<string | null> {
  const visitor = await findVisitor(db, ref.projectId, ref.visitorId);
  if (!visitor) throw new AppError('UNAUTHENTICATED', 'This visitor no longer exists; reconnect without a token.');
  return visitor.leadId;
}

export interface Identified {
  /** This browser's visitor: the resumed one, or a fresh one. */
  visitorId: string;
  leadId: string;
  /** The browser's anonymous lead, merged into `leadId` just now. */
  mergedLeadId: string | null;
  /** An existing visitor that had no lead and now belongs to `leadId` (its other tabs should join it). */
  attachedVisitorId: string | null;
}

/** Tries again when the identified lead vanished (erased or merged away) between lookup and lock. */
const ATTEMPTS = 3;
class LeadVanished extends Error {}

/**
 * Puts this browser on the one lead of `claims.sub`. `visitorId` (from a valid token) is kept
 * when it is already on that lead, has no lead (attached), or is on an anonymous lead (merged
 * into it); otherwise, or without a token, the browser gets a fresh visitor id on that lead.
 */
export async function identifyVisitor(knex: Knex, projectId: string, visitorId: string | null, claims: IdentityClaims): Promise<Identified> {
  for (let attempt = 1; ; attempt++) {
    const leadId = await ensureIdentifiedLead(knex, projectId, claims.sub);
    try {
      return await knex.transaction((trx) => putOnIdentifiedLead(trx, projectId, visitorId, leadId, claims));
    } catch (err) {
      if (!(err instanceof LeadVanished)) throw err;
      if (attempt >= ATTEMPTS) throw new AppError('UNAVAILABLE', 'The identified lead kept changing; retry.');
    }
  }
}

type Step = 'keep' | 'attach' | 'merge' | 'fresh';

/** What becomes of the browser's visitor, given the lead it is on now. */
function stepFor(visitor: Visitor | null, current: LeadIdentity | null, leadId: string): Step {
  if (!visitor) return 'fresh';
  if (visitor.leadId === leadId) return 'keep';
  if (visitor.leadId === null) return 'attach';
  // Only an anonymous lead is merged in: never another identity, nor a lead an agent tied to
  // another externalId. That browser gets a fresh visitor id instead.
  if (current && !current.verified && current.externalId === null) return 'merge';
  return 'fresh';
}

/** Lock order as every writer's: the visitor row first, then lead rows (mergeLeads follows it too). */
async function putOnIdentifiedLead(trx: Knex.Transaction, projectId: string, visitorId: string | null, leadId: string, claims: IdentityClaims): Promise<Identified> {
  const visitor = visitorId ? await lockVisitor(trx, projectId, visitorId) : null;
  const current = visitor?.leadId ? await identityOfLead(trx, projectId, visitor.leadId) : null;
  const step = stepFor(visitor, current, leadId);
  if (step === 'merge') {
    try {
      await mergeLeads(trx, projectId, leadId, visitor!.leadId!);
    } catch (err) {
      // The visitor is locked, so its own lead cannot go: the one missing is the identified lead.
      if (err instanceof AppError && err.code === 'NOT_FOUND') throw new LeadVanished();
      throw err;
    }
  }
  const browserVisitorId = step === 'fresh' ? (await insertVisitor(trx, { id: uuidv4(), projectId })).id : visitor!.id;
  if (!(await applyIdentity(trx, projectId, leadId, claims))) throw new LeadVanished();
  if (step === 'attach' || step === 'fresh') await setVisitorLead(trx, projectId, browserVisitorId, leadId);
  return {
    visitorId: browserVisitorId,
    leadId,
    mergedLeadId: step === 'merge' ? visitor!.leadId : null,
    attachedVisitorId: step === 'attach' ? visitor!.id : null,
  };
}
