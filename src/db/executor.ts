/** What a store function runs its SQL on: the pool, or a transaction a use case passes down. */
import type { Knex } from 'knex';

export type Db = Knex | Knex.Transaction;

/** Timestamps leave the stores as ISO-8601 strings in UTC. */
export function toIso(value: Date | string): string;
export function toIso(value: Date | string | null): string | null;
export function toIso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
