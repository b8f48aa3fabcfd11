/** One line, without a stack trace, naming the database that cannot be reached and why. */
import type { DatabaseConfig } from '../config.js';

/** Where the database is, for people: never the password. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.kind === 'pglite') return `the embedded database in ${database.dataDir}`;
  if (database.kind === 'pglite-memory') return 'the in-memory embedded database';
  const url = new URL(database.url);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is PostgreSQL running and listening there?',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'connection reset',
  '57P03': 'the server is starting up or shutting down',
  '08006': 'not answering',
  '08001': 'could not connect',
  '28P01': 'password authentication failed',
  '28000': 'authentication rejected (pg_hba.conf)',
  '3D000': 'the database does not exist: create it (e.g. `createdb -h HOST -U USER NAME`)',
};

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** Why a connection failed, in words; null when `err` is not about reaching the database. */
export function describeOutage(err: unknown): string | null {
  const e = err as ErrorLike | null;
  if (!e || typeof e !== 'object') return null;
  // Connecting to "localhost" tries ::1 and 127.0.0.1: node reports both in an AggregateError.
  const code = typeof e.code === 'string' ? e.code : Array.isArray(e.errors) ? (e.errors[0] as ErrorLike | undefined)?.code : undefined;
  if (typeof code === 'string' && REASONS[code]) return `${REASONS[code]} (${code})`;
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.name === 'KnexTimeoutError' || /connection timeout|timeout exceeded when trying to connect|Connection terminated/i.test(message)) {
    return `no answer in time (${message.split('\n')[0]})`;
  }
  return null;
}
