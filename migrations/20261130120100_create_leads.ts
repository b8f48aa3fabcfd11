/** Leads (contacts) and the anonymous visitor ids each one owns. Frozen snapshot: never import from src/. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('create extension if not exists pg_trgm');

  await knex.schema.createTable('leads', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.text('external_id').nullable();
    t.text('fullname').nullable();
    t.text('first_name').nullable();
    t.text('last_name').nullable();
    t.text('email').nullable();
    t.text('phone').nullable();
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // Newest-first listing with a (created_at, id) cursor.
  await knex.raw('create index leads_project_created_idx on leads (project_id, created_at desc, id desc)');
  // ?email= exact, case-insensitive; duplicates by email.
  await knex.raw('create index leads_project_email_lower_idx on leads (project_id, lower(email)) where email is not null');
  // One lead per identified user (externalId) in a project.
  await knex.raw('create unique index leads_project_external_id_unique on leads (project_id, external_id) where external_id is not null');
  // ?q= substring of name or email, case-insensitive.
  await knex.raw(`create index leads_search_trgm_idx on leads using gin (
    (lower(coalesce(fullname, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, ''))) gin_trgm_ops)`);

  await knex.schema.createTable('visitors', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    // Null until the visitor's first pre-chat form or conversation; a visitor id belongs to one lead.
    t.uuid('lead_id').nullable().references('leads.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['lead_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('visitors');
  await knex.schema.dropTable('leads');
  // pg_trgm stays: other schemas of the same database may use it.
}
