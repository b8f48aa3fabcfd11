/** Opaque pagination cursors over (createdAt, id), newest first. */
import { validate as isUuid } from 'uuid';
import { AppError } from '../errors.js';

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
