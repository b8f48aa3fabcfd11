/**
 * Duplicates: leads of a project that share an email, case-insensitively, in groups, largest
 * first (then by address), paged by an opaque cursor over (group size, address).
 *
 * Both queries go through leads_project_email_created_idx (project_id, lower(email),
 * created_at desc, id desc): the grouping reads it in lower(email) order, and each page's
 * leads are an equality lookup per address that comes out already newest first.
 */
import type { Db } from '../db/executor.js';
import type { Page } from '../db/cursor.js';
import { AppError } from '../errors.js';
import { toLead, visitorIdsColumn, type Lead, type LeadRow } from './lead.store.js';

export interface DuplicateGroup {
  /** The shared address, lower-cased. */
  email: string;
  /** Newest first. */
  leads: Lead[];
}

export interface DuplicatesQuery {
  limit: number;
  cursor?: string | undefined;
}

interface GroupKey {
  size: number;
  email: string;
}

/** Byte order, not the database's locale: the same order (and cursor) on every PostgreSQL and on PGlite. */
const LOWER_EMAIL = 'lower(email) collate "C"';

function encodeGroupCursor(key: GroupKey): string {
  return Buffer.from(JSON.stringify([key.size, key.email])).toString('base64url');
}

function decodeGroupCursor(cursor: string): GroupKey {
  try {
    const [size, email] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (Number.isSafeInteger(size) && (size as number) >= 2 && typeof email === 'string' && email.length <= 320) return { size: size as number, email };
  } catch {
    // fall through to the error below
  }
  throw new AppError('VALIDATION_FAILED', 'The payload does not match the schema.', [{ path: 'cursor', message: 'is not a cursor this API returned' }]);
}

/** One page of groups: `limit + 1` keys (the extra one says whether a next page exists). */
function groupKeys(db: Db, projectId: string, query: DuplicatesQuery) {
  const builder = db('leads')
    .where('project_id', projectId)
    .whereNotNull('email')
    .groupByRaw('lower(email)')
    .havingRaw('count(*) > 1')
    .select(db.raw('lower(email) as email'), db.raw('count(*)::int as size'));
  if (query.cursor !== undefined) {
    const after = decodeGroupCursor(query.cursor);
    builder.havingRaw(`(count(*) < ? or (count(*) = ? and ${LOWER_EMAIL} > ?))`, [after.size, after.size, after.email]);
  }
  return builder.orderByRaw(`count(*) desc, ${LOWER_EMAIL} asc`).limit(query.limit + 1);
}

export async function listDuplicates(db: Db, projectId: string, query: DuplicatesQuery): Promise<Page<DuplicateGroup>> {
  const keys = (await groupKeys(db, projectId, query)) as GroupKey[];
  const page = keys.slice(0, query.limit);
  if (page.length === 0) return { data: [], nextCursor: null };

  const rows = (await db('leads')
    .select('leads.*', visitorIdsColumn(db), db.raw('lower(leads.email) as group_email'))
    .where('leads.project_id', projectId)
    .whereNotNull('leads.email')
    .whereRaw('lower(leads.email) = any(?::text[])', [page.map((k) => k.email)])
    .orderByRaw('lower(leads.email), leads.created_at desc, leads.id desc')) as (LeadRow & { group_email: string })[];
  const byEmail = new Map<string, Lead[]>(page.map((k) => [k.email, []]));
  // Keyed by the database's lower(), which need not agree with JavaScript's beyond ASCII.
  for (const { group_email, ...row } of rows) byEmail.get(group_email)?.push(toLead(row));

  const last = page.at(-1)!;
  return {
    data: page.map((k) => ({ email: k.email, leads: byEmail.get(k.email) ?? [] })),
    nextCursor: keys.length > query.limit ? encodeGroupCursor(last) : null,
  };
}
