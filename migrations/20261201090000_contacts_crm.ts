/**
 * The contacts CRM: tags, verified (identified) leads, last seen, notes on a contact, and list
 * indexes that serve both the filter and the newest-first order. Frozen snapshot: never import from src/.
 */
import type { Knex } from 'knex';

/** The text `?q=` searches; src/contacts/lead-search.ts repeats it verbatim so the planner matches the index. */
const SEARCH_TEXT = `lower(coalesce(fullname, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, ''))`;

export async function up(knex: Knex): Promise<void> {
  // btree_gin lets one GIN index hold project_id beside tags or trigrams, so a search stays inside its tenant.
  await knex.raw('create extension if not exists btree_gin');

  await knex.schema.alterTable('leads', (t) => {
    t.specificType('tags', 'text[]').notNullable().defaultTo('{}');
    // Reached through a signed identity (externalId = the identity's sub).
    t.boolean('verified').notNullable().defaultTo(false);
    // The email came from a signed identity: a visitor's pre-chat form may not change it.
    t.boolean('email_from_identity').notNullable().defaultTo(false);
    t.timestamp('last_seen_at', { useTz: true }).nullable();
  });

  // ?email= exact: equality on the normalised email, rows already newest first (no walk of the
  // whole project through leads_project_created_idx, no sort).
  await knex.raw('drop index if exists leads_project_email_lower_idx');
  await knex.raw('create index leads_project_email_created_idx on leads (project_id, lower(email), created_at desc, id desc) where email is not null');
  // ?verified=: likewise.
  await knex.raw('create index leads_project_verified_created_idx on leads (project_id, verified, created_at desc, id desc)');
  // GIN indexes queue fresh entries in a pending list that every search reads in full until a
  // vacuum merges it. PGlite never vacuums by itself (one backend, no autovacuum), so the list
  // would stay up to the default 4 MB: at 100,000 leads a trigram search read 484 pages instead
  // of 36. 256 kB keeps it short, for ≈ 12% more CPU when 100,000 leads are loaded at once.
  const gin = 'with (gin_pending_list_limit = 256)';
  // ?q=: substring of name, email or phone, inside one project.
  await knex.raw('drop index if exists leads_search_trgm_idx');
  await knex.raw(`create index leads_project_search_trgm_idx on leads using gin (project_id, (${SEARCH_TEXT}) gin_trgm_ops) ${gin}`);
  // ?tag=: exact tag, inside one project.
  await knex.raw(`create index leads_project_tags_idx on leads using gin (project_id, tags) ${gin}`);

  await knex.schema.createTable('lead_notes', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.uuid('lead_id').notNullable().references('leads.id').onDelete('CASCADE');
    t.uuid('author_id').notNullable().references('agents.id').onDelete('CASCADE');
    t.text('text').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index lead_notes_lead_created_idx on lead_notes (lead_id, created_at desc, id desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lead_notes');
  await knex.raw('drop index if exists leads_project_tags_idx');
  await knex.raw('drop index if exists leads_project_search_trgm_idx');
  await knex.raw('drop index if exists leads_project_verified_created_idx');
  await knex.raw('drop index if exists leads_project_email_created_idx');
  await knex.raw('create index leads_project_email_lower_idx on leads (project_id, lower(email)) where email is not null');
  await knex.raw(`create index leads_search_trgm_idx on leads using gin (
    (lower(coalesce(fullname, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, ''))) gin_trgm_ops)`);
  await knex.schema.alterTable('leads', (t) => {
    t.dropColumn('last_seen_at');
    t.dropColumn('email_from_identity');
    t.dropColumn('verified');
    t.dropColumn('tags');
  });
  // btree_gin stays: other schemas of the same database may use it.
}
