/** Conversations, the agents taking part in them, and their messages. Frozen snapshot: never import from src/. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('conversations', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.uuid('lead_id').notNullable().references('leads.id').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('unassigned');
    t.uuid('assignee_id').nullable().references('agents.id').onDelete('SET NULL');
    t.text('first_text').nullable();
    t.integer('last_seq').notNullable().defaultTo(0);
    t.integer('visitor_last_read_seq').notNullable().defaultTo(0);
    t.integer('agent_last_read_seq').notNullable().defaultTo(0);
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.smallint('rating').nullable();
    t.text('rating_comment').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('closed_at', { useTz: true }).nullable();
  });
  await knex.raw(`alter table conversations add constraint conversations_status_check check (status in ('unassigned', 'assigned', 'closed'))`);
  await knex.raw('alter table conversations add constraint conversations_rating_check check (rating between 1 and 5)');
  await knex.raw('create index conversations_lead_created_idx on conversations (lead_id, created_at desc, id desc)');
  await knex.raw('create index conversations_project_created_idx on conversations (project_id, created_at desc, id desc)');
  await knex.raw('create index conversations_project_status_created_idx on conversations (project_id, status, created_at desc, id desc)');
  await knex.raw('create index conversations_assignee_status_idx on conversations (assignee_id, status) where assignee_id is not null');

  await knex.schema.createTable('conversation_participants', (t) => {
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.uuid('agent_id').notNullable().references('agents.id').onDelete('CASCADE');
    t.timestamp('joined_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['conversation_id', 'agent_id']);
    t.index(['agent_id']);
  });

  await knex.schema.createTable('messages', (t) => {
    t.uuid('id').primary();
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.text('client_message_id').notNullable();
    t.text('sender_type').notNullable();
    t.text('sender_id').nullable();
    t.text('text').notNullable();
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['conversation_id', 'seq']);
    t.unique(['conversation_id', 'client_message_id']);
  });
  await knex.raw(`alter table messages add constraint messages_sender_type_check check (sender_type in ('visitor', 'agent', 'system'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('messages');
  await knex.schema.dropTable('conversation_participants');
  await knex.schema.dropTable('conversations');
}
