/**
 * pingstreams_write_messages runs with enable_seqscan off: its lookups take their indexes in
 * every plan, whatever the statistics said when the plan was made.
 *
 * PL/pgSQL keeps a generic plan per statement and connection, chosen with the statistics of
 * that moment. On a new or fast-growing database (and on PGlite between two ANALYZEs) those
 * said the tables were tiny: the kept plan read `conversations` (and `messages`, for retries)
 * whole on every batch, a cost that grew with every message stored until an ANALYZE replaced
 * it. Every lookup of the function has an index to use; the setting only takes the sequential
 * scan out of the planner's choices inside it. test/conversations/writer-generic-plans.test.ts.
 * Frozen snapshot: never import from src/; change it with a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter function pingstreams_write_messages(jsonb) set enable_seqscan = off');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter function pingstreams_write_messages(jsonb) reset enable_seqscan');
}
