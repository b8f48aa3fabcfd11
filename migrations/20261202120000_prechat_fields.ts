/**
 * The widget's pre-chat form: the custom fields a project asks visitors for, beside name and
 * email, as a JSON list of { key, label, required }. Frozen snapshot: never import from src/.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A constant default: PostgreSQL 11+ adds it without rewriting the table.
  await knex.schema.alterTable('projects', (t) => {
    t.jsonb('prechat_fields').notNullable().defaultTo(knex.raw(`'[]'::jsonb`));
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.dropColumn('prechat_fields');
  });
}
