/**
 * Integrations: API keys (stored hashed), webhooks, the outbox of events written in the same
 * transaction as their change, and the delivery log. Frozen snapshot: never import from src/.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.specificType('scopes', 'text[]').notNullable();
    t.text('prefix').notNullable();
    // SHA-256 of the whole key, hex: looked up on every request that presents a key.
    t.text('key_hash').notNullable().unique('api_keys_key_hash_unique');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.index(['project_id', 'created_at'], 'api_keys_project_idx');
  });
  await knex.schema.createTable('webhooks', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.text('url').notNullable();
    t.specificType('events', 'text[]').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.text('secret').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['project_id', 'created_at'], 'webhooks_project_idx');
  });
  await knex.schema.createTable('outbox_events', (t) => {
    t.uuid('id').primary();
    t.specificType('seq', 'bigserial').notNullable();
    t.uuid('project_id').notNullable();
    // What webhooks subscribe to (message.created.private for private notes).
    t.text('type').notNullable();
    // lead:<id> or conversation:<id>: events of one subject are delivered in seq order.
    t.text('subject_key').notNullable();
    t.jsonb('payload').notNullable();
    t.boolean('fanned_out').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['created_at'], 'outbox_events_created_idx');
  });
  await knex.raw('create index outbox_events_unfanned_idx on outbox_events (seq) where not fanned_out');
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary();
    t.uuid('webhook_id').notNullable().references('webhooks.id').onDelete('CASCADE');
    t.uuid('event_id').notNullable().references('outbox_events.id').onDelete('CASCADE');
    t.bigInteger('event_seq').notNullable();
    t.text('subject_key').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('response_status');
    t.text('last_error');
    // While pending: not tried before this; a claim pushes it forward (a lease).
    t.timestamp('next_attempt_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    t.unique(['webhook_id', 'event_id'], { indexName: 'webhook_deliveries_once' });
    t.index(['webhook_id', 'created_at'], 'webhook_deliveries_log_idx');
  });
  await knex.raw(`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending'`);
  await knex.raw(`create index webhook_deliveries_subject_idx on webhook_deliveries (webhook_id, subject_key, event_seq) where status = 'pending'`);
  await knex.schema.createTable('webhook_attempts', (t) => {
    t.bigIncrements('id');
    t.uuid('delivery_id').notNullable().references('webhook_deliveries.id').onDelete('CASCADE');
    t.timestamp('attempted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('response_status');
    t.text('error');
    t.integer('duration_ms').notNullable();
    t.index(['delivery_id', 'id'], 'webhook_attempts_delivery_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_attempts');
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('outbox_events');
  await knex.schema.dropTable('webhooks');
  await knex.schema.dropTable('api_keys');
}
