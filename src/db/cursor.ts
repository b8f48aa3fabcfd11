/** Opaque pagination cursors over (createdAt, id), newest first. */
import type { Knex } from 'knex';
import { validate as isUuid } from 'uuid';
import { AppError } from '../errors.js';
import type { Db } from './executor.js';

/**
 * SQL for a row's timestamp to the microsecond, the precision the database keeps. A cursor
 * built from the millisecond ISO string of the public shape would skip the rows that share
 * that millisecond with the last row of a page.
 */
export const cursorTimestampSql = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

const CURSOR_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Exactly what cursorTimestampSql produces, and a real instant (no 30 February): PostgreSQL must accept it. */
function isCursorTimestamp(value: string): boolean {
  if (!CURSOR_TIMESTAMP.test(value) || value.startsWith('0000')) return false;
  const millis = `${value.slice(0, 23)}Z`;
  const parsed = new Date(millis);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString() === millis;
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'string' && isCursorTimestamp(createdAt) && typeof id === 'string' && isUuid(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('VALIDATION_FAILED', 'The payload does not match the schema.', [{ path: 'cursor', message: 'is not a cursor this API returned' }]);
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * One page of `builder` (a query on `table`, already filtered), newest first by
 * (created_at, id): after `cursor` if given, `limit` rows, and the cursor of the next page.
 */
export async function newestFirstPage<Row extends { id: string }, T>(
  db: Db,
  builder: Knex.QueryBuilder,
  table: string,
  page: { limit: number; cursor?: string | undefined },
  toItem: (row: Row) => T,
): Promise<Page<T>> {
  builder.select(db.raw(`${cursorTimestampSql(`${table}.created_at`)} as cursor_at`));
  if (page.cursor !== undefined) {
    const { createdAt, id } = decodeCursor(page.cursor);
    builder.whereRaw(`(${table}.created_at, ${table}.id) < (?::timestamptz, ?::uuid)`, [createdAt, id]);
  }
  const rows = (await builder
    .orderBy([{ column: `${table}.created_at`, order: 'desc' }, { column: `${table}.id`, order: 'desc' }])
    .limit(page.limit + 1)) as (Row & { cursor_at: string })[];
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { data: items.map(toItem), nextCursor: rows.length > page.limit && last ? encodeCursor(last.cursor_at, last.id) : null };
}
