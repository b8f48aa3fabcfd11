/** Projects, agent accounts and their memberships. Frozen snapshot: never import from src/. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('projects', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.text('routing').notNullable().defaultTo('auto');
    t.integer('default_max_concurrent').notNullable().defaultTo(0);
    t.text('identity_secret').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table projects add constraint projects_routing_check check (routing in ('auto', 'pooled'))`);
  await knex.raw(`alter table projects add constraint projects_default_max_concurrent_check check (default_max_concurrent >= 0)`);

  await knex.schema.createTable('agents', (t) => {
    t.uuid('id').primary();
    t.text('email').notNullable();
    t.text('fullname').notNullable();
    t.text('password_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create unique index agents_email_lower_unique on agents (lower(email))');

  await knex.schema.createTable('project_members', (t) => {
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.uuid('agent_id').notNullable().references('agents.id').onDelete('CASCADE');
    t.text('role').notNullable();
    t.integer('max_concurrent').nullable();
    t.timestamp('last_assigned_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['project_id', 'agent_id']);
    t.index(['agent_id']);
  });
  await knex.raw(`alter table project_members add constraint project_members_role_check check (role in ('owner', 'admin', 'agent'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('project_members');
  await knex.schema.dropTable('agents');
  await knex.schema.dropTable('projects');
}
