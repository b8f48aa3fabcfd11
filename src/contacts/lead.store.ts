/** Leads (the UI's contacts): SQL and the mapping to the public Lead shape. Searching lives in lead-search.ts. */
import { v4 as uuidv4 } from 'uuid';
import type { Knex } from 'knex';
import { toIso, type Db } from '../db/executor.js';
import { AppError } from '../errors.js';
import { attributesOverLimits } from '../validation.js';

export interface Lead {
  id: string;
  projectId: string;
  visitorIds: string[];
  externalId: string | null;
  fullname: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  /** Reached through a signed identity: agents see a badge. */
  verified: boolean;
  lastSeenAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The plain fields of a lead, as a visitor's pre-chat form or an agent sets them. */
export const LEAD_TEXT_FIELDS = ['fullname', 'firstName', 'lastName', 'email', 'phone', 'externalId'] as const;
export type LeadTextField = (typeof LEAD_TEXT_FIELDS)[number];

/** A change to a lead. Fields left undefined stay as they are; null clears a field. */
export interface LeadChanges extends Partial<Record<LeadTextField, string | null>> {
  /** Merged key by key into the stored attributes. */
  attributes?: Record<string, unknown>;
  /** Attribute keys to remove (applied after `attributes`). */
  removeAttributes?: string[];
  /** Replaces the tags (already normalised: lower-case, unique). */
  tags?: string[];
  verified?: boolean;
  emailFromIdentity?: boolean;
}

export interface LeadRow {
  id: string;
  project_id: string;
  external_id: string | null;
  fullname: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  verified: boolean;
  email_from_identity: boolean;
  last_seen_at: Date | null;
  created_at: Date;
  updated_at: Date;
  visitor_ids?: string[] | null;
}

const COLUMN_OF: Record<LeadTextField, string> = {
  fullname: 'fullname',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  phone: 'phone',
  externalId: 'external_id',
};

/** A lead row's columns (LeadRow), listed for statements that must not change shape with `leads.*` (a prepared one). */
export const LEAD_COLUMNS_SQL = ['id', 'project_id', 'external_id', 'fullname', 'first_name', 'last_name', 'email', 'phone', 'attributes', 'tags', 'verified', 'email_from_identity', 'last_seen_at', 'created_at', 'updated_at']
  .map((column) => `leads.${column}`)
  .join(', ');

/** The visitor ids of `leads.id`, oldest first: a column for any select over `leads`. */
export const visitorIdsColumn = (db: Db) =>
  db.raw(`coalesce((select array_agg(v.id::text order by v.created_at, v.id) from visitors v where v.lead_id = leads.id), '{}') as visitor_ids`);

function selectLeads(db: Db): Knex.QueryBuilder {
  return db('leads').select('leads.*', visitorIdsColumn(db));
}

export function toLead(row: LeadRow): Lead {
  return {
    id: row.id,
    projectId: row.project_id,
    visitorIds: row.visitor_ids ?? [],
    externalId: row.external_id,
    fullname: row.fullname,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    attributes: row.attributes ?? {},
    tags: row.tags ?? [],
    verified: row.verified,
    lastSeenAt: toIso(row.last_seen_at),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

function plainColumns(changes: LeadChanges): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const field of LEAD_TEXT_FIELDS) {
    const value = changes[field];
    if (value !== undefined) columns[COLUMN_OF[field]] = value;
  }
  if (changes.tags !== undefined) columns.tags = changes.tags;
  if (changes.verified !== undefined) columns.verified = changes.verified;
  if (changes.emailFromIdentity !== undefined) columns.email_from_identity = changes.emailFromIdentity;
  return columns;
}

export async function insertLead(db: Db, projectId: string, fields: LeadChanges & { lastSeen?: boolean } = {}): Promise<Lead> {
  const id = uuidv4();
  await db('leads').insert({
    id,
    project_id: projectId,
    ...plainColumns(fields),
    attributes: JSON.stringify(fields.attributes ?? {}),
    ...(fields.lastSeen ? { last_seen_at: db.fn.now() } : {}),
  });
  return (await findLead(db, projectId, id))!;
}

/**
 * Sets the given fields; `attributes` merge key by key, then `removeAttributes` go. Null if
 * there is no such lead in the project. `updatedAt` moves only when something changed.
 * Attributes that would grow past ATTRIBUTES_LIMITS in total are PAYLOAD_TOO_LARGE.
 */
export async function updateLead(db: Db, projectId: string, leadId: string, changes: LeadChanges): Promise<Lead | null> {
  const set: Record<string, unknown> = plainColumns(changes);
  const attributes = attributesExpression(changes);
  if (attributes) set.attributes = db.raw(attributes.sql, attributes.bindings);
  if (Object.keys(set).length === 0) return findLead(db, projectId, leadId);
  if (!attributes?.grows) return writeLead(db, projectId, leadId, set);
  // Checked under the row's lock, so two updates at once cannot both pass the limit.
  const checkThenWrite = async (trx: Knex.Transaction) => {
    await assertAttributesFit(trx, projectId, leadId, attributes);
    return writeLead(trx, projectId, leadId, set);
  };
  return isTransaction(db) ? checkThenWrite(db) : db.transaction(checkThenWrite);
}

interface AttributesExpression {
  sql: string;
  bindings: Knex.RawBinding[];
  /** Whether keys are added or changed (removals alone only shrink). */
  grows: boolean;
}

/** The SQL of the lead's attributes after `changes`, over the column `attributes`; null if they do not change. */
function attributesExpression(changes: LeadChanges): AttributesExpression | null {
  let sql = 'attributes';
  const bindings: Knex.RawBinding[] = [];
  const grows = changes.attributes !== undefined && Object.keys(changes.attributes).length > 0;
  if (grows) {
    sql = `(${sql} || ?::jsonb)`;
    bindings.push(JSON.stringify(changes.attributes));
  }
  if (changes.removeAttributes !== undefined && changes.removeAttributes.length > 0) {
    sql = `(${sql} - ?::text[])`;
    bindings.push(changes.removeAttributes);
  }
  return bindings.length > 0 ? { sql, bindings, grows } : null;
}

const isTransaction = (db: Db): db is Knex.Transaction => (db as Knex.Transaction).isTransaction === true;

/**
 * Locks the lead and refuses attributes past the limits. A lead already past them (a merge
 * of two full leads) may still change as long as it does not grow, so it can be trimmed.
 */
async function assertAttributesFit(trx: Knex.Transaction, projectId: string, leadId: string, next: AttributesExpression): Promise<void> {
  const row = (await trx('leads')
    .where({ id: leadId, project_id: projectId })
    .forNoKeyUpdate()
    .first('attributes', trx.raw(`${next.sql} as next`, next.bindings))) as { attributes: Record<string, unknown>; next: Record<string, unknown> } | undefined;
  if (!row) return;
  const tooBig = attributesOverLimits(row.next);
  const size = (o: Record<string, unknown>) => [Object.keys(o).length, JSON.stringify(o).length] as const;
  const [keysBefore, charsBefore] = size(row.attributes ?? {});
  const [keysAfter, charsAfter] = size(row.next);
  if (tooBig && (keysAfter > keysBefore || charsAfter > charsBefore)) {
    throw new AppError('PAYLOAD_TOO_LARGE', `The lead's attributes ${tooBig} in total.`, [{ path: 'attributes', message: `${tooBig} in total` }]);
  }
}

/** Only rows that really change are written, so an update that changes nothing keeps updatedAt. */
async function writeLead(db: Db, projectId: string, leadId: string, set: Record<string, unknown>): Promise<Lead | null> {
  const columns = Object.keys(set);
  await db('leads')
    .where({ id: leadId, project_id: projectId })
    .whereRaw(`(${columns.map((c) => `leads.${c}`).join(', ')}) is distinct from (${columns.map(() => '?').join(', ')})`, columns.map((c) => castFor(db, c, set[c])) as Knex.RawBinding[])
    .update({ ...set, updated_at: db.fn.now() });
  return findLead(db, projectId, leadId);
}

/** A value as SQL of its column's type, for the "did anything change" comparison. */
function castFor(db: Db, column: string, value: unknown): Knex.RawBinding {
  if (column === 'attributes') return value as Knex.RawBinding;
  if (column === 'tags') return db.raw('?::text[]', [value as string[]]);
  if (column === 'verified' || column === 'email_from_identity') return db.raw('?::boolean', [value as boolean]);
  return db.raw('?::text', [value as string | null]);
}

export async function findLead(db: Db, projectId: string, leadId: string): Promise<Lead | null> {
  const row = (await selectLeads(db).where({ 'leads.id': leadId, 'leads.project_id': projectId }).first()) as LeadRow | undefined;
  return row ? toLead(row) : null;
}

export async function findLeadByExternalId(db: Db, projectId: string, externalId: string): Promise<Lead | null> {
  const row = (await selectLeads(db).where({ 'leads.project_id': projectId, 'leads.external_id': externalId }).first()) as LeadRow | undefined;
  return row ? toLead(row) : null;
}

/** Whether the lead's email came from a signed identity (a visitor may not change it then). */
export async function emailFromIdentity(db: Db, projectId: string, leadId: string): Promise<boolean> {
  const row = await db('leads').where({ id: leadId, project_id: projectId }).first('email_from_identity');
  return row?.email_from_identity === true;
}

/** A visitor of the lead was here just now. */
export async function touchLead(db: Db, projectId: string, leadId: string): Promise<void> {
  await db('leads').where({ id: leadId, project_id: projectId }).update({ last_seen_at: db.fn.now() });
}
