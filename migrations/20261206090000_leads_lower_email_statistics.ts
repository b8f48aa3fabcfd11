/**
 * Statistics on lower(email) for leads. Its index is partial (`where email is not null`), and
 * PostgreSQL gathers no statistics on a partial index's expressions: the planner guessed
 * that `lower(email) = …` matches 0.5% of a project (5,000 rows at 1,000,000 leads) where it
 * matches one or two. With that guess the email lookup's named statement (src/contacts/
 * lead-search.ts) never got a kept generic plan: its estimate looked worse than the custom plans',
 * so every lookup was planned again (0.16–0.28 ms at 1,000,000 leads). With the statistics the
 * estimate is one row and the plan is kept after five runs (0.01 ms). The ANALYZE fills them now
 * rather than at autovacuum's next visit (it samples, so it stays quick on a large table).
 * Frozen snapshot: never import from src/; change it with a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('create statistics leads_lower_email_stats on (lower(email)) from leads');
  await knex.raw('analyze leads');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop statistics if exists leads_lower_email_stats');
}
