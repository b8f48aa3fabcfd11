/**
 * Private notes inside conversations: an agent's message that only agents see. It takes its seq
 * like any other message; visitors' reads skip it. Frozen snapshot: never import from src/.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A constant default: PostgreSQL 11+ adds it without rewriting the table, however many messages it holds.
  await knex.schema.alterTable('messages', (t) => {
    t.boolean('private').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('private');
  });
}
