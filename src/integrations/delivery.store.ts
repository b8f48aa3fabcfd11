/** The delivery queue in SQL: fan events out to webhooks, claim due deliveries, record attempts, prune. */
import type { Knex } from 'knex';

/** One process fans out at a time, so deliveries of one subject are created in event order. */
const FANOUT_LOCK = 74_210_911;

/** Creates the deliveries of up to `limit` events not yet fanned out; answers how many events it took. */
export async function fanOut(knex: Knex, limit: number): Promise<number> {
  // The idle poll: one indexed probe, no transaction, when nothing waits (the usual case).
  if (!(await knex('outbox_events').where('fanned_out', false).first('id'))) return 0;
  return knex.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: { locked: boolean }[] }>('select pg_try_advisory_xact_lock(?) as locked', [FANOUT_LOCK]);
    if (!rows[0]?.locked) return 0;
    const result = await trx.raw<{ rows: { n: string }[] }>(
      `with batch as (
         select id, project_id, type, subject_key, seq, created_at from outbox_events
          where not fanned_out order by seq limit ? for update
       ), created as (
         insert into webhook_deliveries (id, webhook_id, event_id, event_seq, subject_key, status, attempts, next_attempt_at)
         select gen_random_uuid(), w.id, b.id, b.seq, b.subject_key, 'pending', 0, now()
           from batch b join webhooks w on w.project_id = b.project_id and w.active and b.type = any(w.events)
            -- A webhook hears what happens after it exists, even if older events are still being fanned out.
            and b.created_at >= w.created_at
         on conflict do nothing
       ), marked as (
         update outbox_events set fanned_out = true where id in (select id from batch) returning 1
       )
       select count(*)::text as n from marked`,
      [limit],
    );
    return Number(result.rows[0]?.n ?? 0);
  });
}

export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  attempts: number;
  projectId: string;
  type: string;
  eventCreatedAt: Date;
  payload: unknown;
  url: string;
  secret: string;
}

/**
 * Claims up to `limit` due deliveries of active webhooks for `leaseMs` (their next_attempt_at
 * moves forward, so no other process takes them meanwhile, and a crash only delays them). A
 * delivery waits while an earlier one of the same subject to the same webhook is pending.
 */
export async function claimDue(knex: Knex, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await knex.raw<{ rows: Record<string, unknown>[] }>(
    `with due as (
       select d.id from webhook_deliveries d join webhooks w on w.id = d.webhook_id and w.active
        where d.status = 'pending' and d.next_attempt_at <= now()
          and not exists (
            select 1 from webhook_deliveries e
             where e.webhook_id = d.webhook_id and e.subject_key = d.subject_key
               and e.status = 'pending' and e.event_seq < d.event_seq)
        order by d.next_attempt_at, d.event_seq
        limit ? for update of d skip locked
     )
     update webhook_deliveries d set next_attempt_at = now() + (?::float8 * interval '1 millisecond')
       from due, outbox_events ev, webhooks w
      where d.id = due.id and ev.id = d.event_id and w.id = d.webhook_id
      returning d.id, d.webhook_id, d.event_id, d.attempts, ev.project_id, ev.type, ev.created_at as event_created_at, ev.payload, w.url, w.secret`,
    [limit, leaseMs],
  );
  return rows.map((r) => ({
    id: r.id as string,
    webhookId: r.webhook_id as string,
    eventId: r.event_id as string,
    attempts: Number(r.attempts),
    projectId: r.project_id as string,
    type: r.type as string,
    eventCreatedAt: new Date(r.event_created_at as string),
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
    url: r.url as string,
    secret: r.secret as string,
  }));
}

export interface AttemptOutcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** After a failure: wait this long before the next attempt. */
  retryInMs: number;
  maxAgeSeconds: number;
}

/** Records one attempt and its consequence; answers the delivery's new status. */
export async function recordAttempt(knex: Knex, deliveryId: string, outcome: AttemptOutcome): Promise<string> {
  const { rows } = await knex.raw<{ rows: { status: string }[] }>(
    `with attempt as (
       insert into webhook_attempts (delivery_id, response_status, error, duration_ms) values (?, ?, ?, ?)
     )
     update webhook_deliveries set
        attempts = attempts + 1,
        response_status = ?,
        last_error = ?,
        status = case when ? then 'delivered'
                      when created_at + (?::float8 * interval '1 second') <= now() + (?::float8 * interval '1 millisecond') then 'failed'
                      else 'pending' end,
        delivered_at = case when ? then now() else delivered_at end,
        next_attempt_at = case when ? then null
                               when created_at + (?::float8 * interval '1 second') <= now() + (?::float8 * interval '1 millisecond') then null
                               else now() + (?::float8 * interval '1 millisecond') end
      where id = ?
      returning status`,
    [
      deliveryId, outcome.status, outcome.error, Math.round(outcome.durationMs),
      outcome.status, outcome.error,
      outcome.ok, outcome.maxAgeSeconds, outcome.retryInMs,
      outcome.ok,
      outcome.ok, outcome.maxAgeSeconds, outcome.retryInMs, outcome.retryInMs,
      deliveryId,
    ],
  );
  return rows[0]?.status ?? 'gone';
}

/** Deletes events (with their finished deliveries) older than the retention, a bounded batch at a time. */
export async function pruneOutbox(knex: Knex, retentionSeconds: number, batch = 1000): Promise<number> {
  const result = await knex.raw<{ rows: unknown[] }>(
    `delete from outbox_events where id in (
       select e.id from outbox_events e
        where e.created_at < now() - (?::float8 * interval '1 second') and e.fanned_out
          and not exists (select 1 from webhook_deliveries d where d.event_id = e.id and d.status = 'pending')
        limit ?)
     returning 1`,
    [retentionSeconds, batch],
  );
  return result.rows.length;
}

export async function countPending(knex: Knex): Promise<number> {
  const row = await knex('webhook_deliveries').where({ status: 'pending' }).count<{ n: string }[]>('* as n').first();
  return Number(row?.n ?? 0);
}
