/** Leads (the UI's contacts): SQL and the mapping to the public Lead shape. */
import { v4 as uuidv4 } from 'uuid';
import type { Knex } from 'knex';
import { toIso, type Db } from '../db/executor.js';
import { newestFirstPage, type Page } from '../db/cursor.js';

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
  createdAt: string;
  updatedAt: string;
}

/** The fields a visitor's pre-chat form or an agent may set. */
export interface LeadFields {
  fullname?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  externalId?: string | null;
  /** Merged key by key into the stored attributes. */
  attributes?: Record<string, unknown>;
}

interface LeadRow {
  id: string;
  project_id: string;
  external_id: string | null;
  fullname: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  visitor_ids: string[] | null;
}

const COLUMN_OF = {
  fullname: 'fullname',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  phone: 'phone',
  externalId: 'external_id',
} as const;

function selectLeads(db: Db): Knex.QueryBuilder {
  return db('leads').select(
    'leads.*',
    db.raw(`coalesce((select array_agg(v.id::text order by v.created_at, v.id) from visitors v where v.lead_id = leads.id), '{}') as visitor_ids`),
  );
}

function toLead(row: LeadRow): Lead {
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
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

function fieldColumns(fields: LeadFields): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(COLUMN_OF)) {
    const value = fields[key as keyof typeof COLUMN_OF];
    if (value !== undefined) columns[column] = value;
  }
  return columns;
}

export async function insertLead(db: Db, projectId: string, fields: LeadFields): Promise<Lead> {
  const id = uuidv4();
  await db('leads').insert({ id, project_id: projectId, ...fieldColumns(fields), attributes: JSON.stringify(fields.attributes ?? {}) });
  return (await findLead(db, projectId, id))!;
}

/** Sets the given fields; `attributes` merge key by key. Null if no such lead in the project. */
export async function updateLead(db: Db, projectId: string, leadId: string, fields: LeadFields): Promise<Lead | null> {
  const changes: Record<string, unknown> = { ...fieldColumns(fields), updated_at: db.fn.now() };
  if (fields.attributes !== undefined) changes.attributes = db.raw('attributes || ?::jsonb', [JSON.stringify(fields.attributes)]);
  const updated = await db('leads').where({ id: leadId, project_id: projectId }).update(changes);
  return updated === 0 ? null : findLead(db, projectId, leadId);
}

export async function findLead(db: Db, projectId: string, leadId: string): Promise<Lead | null> {
  const row = (await selectLeads(db).where({ 'leads.id': leadId, 'leads.project_id': projectId }).first()) as LeadRow | undefined;
  return row ? toLead(row) : null;
}

export interface LeadQuery {
  email?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Newest first, paged by an opaque (createdAt, id) cursor. */
export async function listLeads(db: Db, projectId: string, query: LeadQuery): Promise<Page<Lead>> {
  const builder = selectLeads(db).where('leads.project_id', projectId);
  if (query.email !== undefined) builder.whereRaw('lower(leads.email) = lower(?)', [query.email]);
  if (query.q !== undefined && query.q !== '') {
    builder.whereRaw(
      `lower(coalesce(fullname, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '')) like ?`,
      [`%${escapeLike(query.q.toLowerCase())}%`],
    );
  }
  return newestFirstPage(db, builder, 'leads', query, toLead);
}
