/**
 * Listing and searching leads, newest first, in a query shape the planner cannot get wrong.
 *
 * With `ORDER BY created_at DESC LIMIT n`, PostgreSQL likes to walk the project's newest-first
 * index and filter row by row: at 300,000 leads an exact email lookup read them all. So:
 * - `?email=` and `?verified=` use indexes that hold the filter column *and* the order
 *   (project_id, lower(email) | verified, created_at desc, id desc): an equality prefix, rows
 *   already in order, no sort.
 * - `?q=` (trigram) and `?tag=` (array) use GIN indexes, which cannot give an order. Their
 *   matches are computed first, in a MATERIALIZED CTE the outer ORDER BY/LIMIT cannot reach
 *   into, then sorted. The cost grows with the number of matches (plus the project's entry in
 *   the GIN index, compressed: ≈ 80 pages at 300,000 leads), never with a walk of the project.
 * test/contacts/search-plans.test.ts checks each plan with EXPLAIN on 100,000 leads.
 */
import type { Knex } from 'knex';
import type { Db } from '../db/executor.js';
import { cursorTimestampSql, decodeCursor, encodeCursor, type Page } from '../db/cursor.js';
import { LEAD_COLUMNS_SQL, toLead, visitorIdsColumn, type Lead, type LeadRow } from './lead.store.js';

/** What `?q=` searches: the same expression as the leads_project_search_trgm_idx index (migrations/). */
export const SEARCH_TEXT = `lower(coalesce(fullname, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, ''))`;

export interface LeadFilters {
  /** Exact, case-insensitive. */
  email?: string | undefined;
  /** Substring of name, email or phone, case-insensitive. */
  q?: string | undefined;
  /** Exact tag (tags are stored lower-case). */
  tag?: string | undefined;
  verified?: boolean | undefined;
}

export interface LeadQuery extends LeadFilters {
  limit: number;
  cursor?: string | undefined;
  /** Rows only if this agent is a member of the project (readAsMember, src/http/authenticate.ts). */
  memberAgentId?: string | null | undefined;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The filters (and the cursor) as WHERE clauses on `leads` of one project. */
function filtered(db: Db, projectId: string, query: LeadFilters & Pick<LeadQuery, 'cursor' | 'memberAgentId'>): Knex.QueryBuilder {
  const builder = db('leads').where('leads.project_id', projectId);
  // Uncorrelated: PostgreSQL evaluates it once (a primary-key probe) before reading any lead.
  if (query.memberAgentId) builder.whereExists(db('project_members').where({ project_id: projectId, agent_id: query.memberAgentId }).select(db.raw('1')));
  if (query.email !== undefined) builder.whereRaw('lower(leads.email) = lower(?)', [query.email]);
  if (query.verified !== undefined) builder.where('leads.verified', query.verified);
  if (query.q !== undefined && query.q !== '') builder.whereRaw(`${SEARCH_TEXT} like ?`, [`%${escapeLike(query.q.toLowerCase())}%`]);
  if (query.tag !== undefined) builder.whereRaw('leads.tags @> ?::text[]', [[query.tag.toLowerCase()]]);
  if (query.cursor !== undefined) {
    const { createdAt, id } = decodeCursor(query.cursor);
    builder.whereRaw('(leads.created_at, leads.id) < (?::timestamptz, ?::uuid)', [createdAt, id]);
  }
  return builder;
}

/** The prepared statement's name for a page without a GIN filter: which clauses its WHERE has. */
export function pageStatementName(query: LeadQuery): string {
  const clauses = [query.memberAgentId ? 'member' : '', query.email !== undefined ? 'email' : '', query.verified !== undefined ? 'verified' : '', query.cursor !== undefined ? 'cursor' : ''];
  return ['pingstreams_leads_page', ...clauses.filter(Boolean)].join('_');
}

/** Whether the query filters through a GIN index (which cannot serve the order). */
const usesGin = (query: LeadFilters) => (query.q !== undefined && query.q !== '') || query.tag !== undefined;

/**
 * The SQL of one page: `limit + 1` rows (the extra one says whether a next page exists), with
 * each row's visitor ids and its cursor timestamp. Exposed so a test can EXPLAIN exactly it.
 */
export function leadPageQuery(db: Db, projectId: string, query: LeadQuery): Knex.QueryBuilder {
  const newestFirst = [
    { column: 'leads.created_at', order: 'desc' as const },
    { column: 'leads.id', order: 'desc' as const },
  ];
  const columns = [db.raw(LEAD_COLUMNS_SQL), visitorIdsColumn(db), db.raw(`${cursorTimestampSql('leads.created_at')} as cursor_at`)];
  if (!usesGin(query)) {
    // A named (prepared) statement on PostgreSQL (PGlite ignores the name): parsed once per
    // connection and, after five runs, planned once (≈ 0.25 ms of planning per lookup at 1,000,000
    // leads; for ?email= only with the statistics of migrations/20261206090000, without which the
    // kept plan never looked cheap enough). One name per shape of the WHERE clause, so each name
    // always has the same text.
    // Safe as a kept generic plan: each shape has an index holding its filter columns and the
    // order, whatever the values (search-plans.test.ts EXPLAINs the generic plans). Its columns
    // are listed, so a migration that adds one cannot change the statement's result type.
    return filtered(db, projectId, query).select(columns).orderBy(newestFirst).limit(query.limit + 1).options({ name: pageStatementName(query) });
  }
  return db
    .withMaterialized('matches', filtered(db, projectId, query).select('leads.*'))
    .from('matches as leads')
    .select(columns)
    .orderBy(newestFirst)
    .limit(query.limit + 1);
}

/** Newest first, paged by an opaque (createdAt, id) cursor. */
export async function listLeads(db: Db, projectId: string, query: LeadQuery): Promise<Page<Lead>> {
  const rows = (await leadPageQuery(db, projectId, query)) as (LeadRow & { cursor_at: string })[];
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return { data: items.map(toLead), nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null };
}
