/** Identified visitors: the project-signed identity JWT and the one verified lead each `sub` shares. */
import { jwtVerify } from 'jose';
import type { Knex } from 'knex';
import { z } from 'zod';
import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/executor.js';
import { AppError } from '../errors.js';
import { identitySecretOf } from '../projects/project.store.js';
import { email, parseInput } from '../validation.js';
import { findLeadByExternalId, insertLead, touchLead, updateLead, type Lead } from './lead.store.js';
import { leadEvent, writeOutbox } from '../integrations/outbox.js';

export interface IdentityClaims {
  /** The person's id in the customer's systems: the lead's externalId. */
  sub: string;
  email: string | null;
  name: string | null;
}

/** A JWT is a few hundred bytes; anything this long is not one of ours. */
const MAX_IDENTITY_CHARS = 8 * 1024;
/** Seconds of clock skew forgiven on `exp` (and `nbf`) between the customer's backend and us. */
const CLOCK_TOLERANCE_SECONDS = 30;

const optionalClaim = <T extends z.ZodType>(schema: T) => schema.nullable().optional().transform((v) => v ?? null);

/** Trimmed like an agent's externalId, so the two name the same lead. */
const claimsSchema = z.object({
  sub: z.string().trim().min(1).max(200),
  email: optionalClaim(email),
  name: optionalClaim(z.string().trim().max(200).transform((s) => (s === '' ? null : s))),
});

const refused = () => new AppError('UNAUTHENTICATED', "The identity is malformed, expired or not signed with this project's identity secret.");

/**
 * Verifies `identity` with the project's identity secret as stored now, so a rotated-out secret
 * stops working at once on every process. HS256 only; `exp` is honoured when present.
 */
export async function verifyIdentity(db: Db, projectId: string, identity: unknown): Promise<IdentityClaims> {
  const secret = await identitySecretOf(db, projectId);
  if (secret === null) throw new AppError('NOT_FOUND', 'No such project.');
  if (typeof identity !== 'string' || identity.length === 0 || identity.length > MAX_IDENTITY_CHARS) throw refused();
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(identity, new TextEncoder().encode(secret), { algorithms: ['HS256'], clockTolerance: CLOCK_TOLERANCE_SECONDS }));
  } catch {
    throw refused();
  }
  // parseInput, not safeParse: claims with a NUL or a lone surrogate would be stored altered.
  try {
    return parseInput(claimsSchema, payload);
  } catch {
    throw refused();
  }
}

/**
 * The lead of `sub` in the project: an existing one with that externalId (made by an agent or
 * an import, too), else a new one. Two browsers creating it at once meet on the unique index
 * and the loser reads the winner's. Runs outside any transaction: a unique violation would
 * abort one.
 */
export async function ensureIdentifiedLead(knex: Knex, projectId: string, sub: string): Promise<string> {
  const existing = await findLeadByExternalId(knex, projectId, sub);
  if (existing) return existing.id;
  try {
    // With its lead.created webhook event, in one transaction (src/integrations/outbox.ts).
    return await knex.transaction(async (trx) => {
      const lead = await insertLead(trx, projectId, { externalId: sub, verified: true, lastSeen: true });
      await writeOutbox(trx, [leadEvent('lead.created', lead)]);
      return lead.id;
    });
  } catch (err) {
    if (!isUniqueViolation(err, 'leads_project_external_id_unique')) throw err;
    const winner = await findLeadByExternalId(knex, projectId, sub);
    if (!winner) throw new AppError('UNAVAILABLE', 'The identified lead changed while it was being created; retry.');
    return winner.id;
  }
}

/**
 * Locks the identified lead and lets the claims speak: it is verified, `email` is set and
 * becomes the identity's (the visitor may no longer change it), `name` only fills an empty
 * fullname. Null if the lead is gone (erased or merged away since it was looked up).
 */
export async function applyIdentity(trx: Knex.Transaction, projectId: string, leadId: string, claims: IdentityClaims): Promise<Lead | null> {
  const current = await trx('leads').where({ id: leadId, project_id: projectId }).forNoKeyUpdate().first('fullname');
  if (!current) return null;
  await touchLead(trx, projectId, leadId);
  return updateLead(trx, projectId, leadId, {
    verified: true,
    ...(claims.email !== null ? { email: claims.email, emailFromIdentity: true } : {}),
    ...(claims.name !== null && current.fullname === null ? { fullname: claims.name } : {}),
  });
}

/** The lead's email and whether a signed identity gave it; locks the lead row until `trx` ends. */
export async function lockLeadEmail(trx: Knex.Transaction, projectId: string, leadId: string): Promise<{ email: string | null; fromIdentity: boolean } | null> {
  const row = await trx('leads').where({ id: leadId, project_id: projectId }).forNoKeyUpdate().first('email', 'email_from_identity');
  return row ? { email: row.email, fromIdentity: row.email_from_identity === true } : null;
}

export interface LeadIdentity {
  verified: boolean;
  externalId: string | null;
}

/** Whether the lead was reached through a signed identity, and which externalId it has. */
export async function identityOfLead(db: Db, projectId: string, leadId: string): Promise<LeadIdentity | null> {
  const row = await db('leads').where({ id: leadId, project_id: projectId }).first('verified', 'external_id');
  return row ? { verified: row.verified === true, externalId: row.external_id } : null;
}
