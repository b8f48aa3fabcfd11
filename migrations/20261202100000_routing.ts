/**
 * Automatic routing: when each member was last known connected (the grace period of an agent
 * who went offline counts from it) and which agents left which conversation (routing never
 * hands a conversation back to an agent who left it). Frozen snapshot: never import from src/.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('project_members', (t) => {
    // Written by the process holding the agent's sockets: at connect, at the last disconnect and
    // on every routing heartbeat. Null: never seen connected since this column exists.
    t.timestamp('last_online_at', { useTz: true }).nullable();
  });
  await knex.raw('alter table project_members add constraint project_members_max_concurrent_check check (max_concurrent >= 0)');

  await knex.schema.createTable('conversation_declines', (t) => {
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.uuid('agent_id').notNullable().references('agents.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['conversation_id', 'agent_id']);
    t.index(['agent_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('conversation_declines');
  await knex.raw('alter table project_members drop constraint if exists project_members_max_concurrent_check');
  await knex.schema.alterTable('project_members', (t) => {
    t.dropColumn('last_online_at');
  });
}
