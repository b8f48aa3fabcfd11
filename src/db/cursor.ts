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

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'string' && !Number.isNaN(Date.parse(createdAt)) && typeof id === 'string' && isUuid(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('VALIDATION_FAILED', 'The payload does not match the schema.', [{ path: 'cursor', message: 'is not a cursor this API returned' }]);
}
