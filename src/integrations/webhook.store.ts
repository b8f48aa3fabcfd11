/** Webhooks and their delivery log: SQL and the public Webhook / Delivery shapes. */
import crypto from 'node:crypto';
import { v4 as uuidv4 } from 'uuid';
import { toIso, type Db } from '../db/executor.js';
import { AppError } from '../errors.js';
import { publicType } from './outbox.js';

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  createdAt: string;
}

interface WebhookRow {
  id: string;
  project_id: string;
  url: string;
  events: string[];
  active: boolean;
  secret: string;
  created_at: Date;
}

const toWebhook = (row: WebhookRow): Webhook => ({ id: row.id, url: row.url, events: row.events, active: row.active, createdAt: toIso(row.created_at) });

export async function createWebhook(db: Db, projectId: string, input: { url: string; events: string[] }): Promise<Webhook & { secret: string }> {
  // Stored in clear: signing needs the secret itself (see docs/integrations.md).
  const secret = `whsec_${crypto.randomBytes(32).toString('base64url')}`;
  const [row] = (await db('webhooks')
    .insert({ id: uuidv4(), project_id: projectId, url: input.url, events: [...new Set(input.events)], secret })
    .returning('*')) as WebhookRow[];
  return { ...toWebhook(row!), secret };
}

export async function listWebhooks(db: Db, projectId: string): Promise<Webhook[]> {
  const rows = (await db('webhooks').where({ project_id: projectId }).orderBy([{ column: 'created_at', order: 'desc' }, 'id'])) as WebhookRow[];
  return rows.map(toWebhook);
}

export async function findWebhook(db: Db, projectId: string, id: string): Promise<Webhook | null> {
  const row = (await db('webhooks').where({ id, project_id: projectId }).first()) as WebhookRow | undefined;
  return row ? toWebhook(row) : null;
}

export async function updateWebhook(db: Db, projectId: string, id: string, changes: { url?: string; events?: string[]; active?: boolean }): Promise<Webhook | null> {
  const columns = { ...changes, ...(changes.events ? { events: [...new Set(changes.events)] } : {}) };
  if (Object.keys(columns).length === 0) return findWebhook(db, projectId, id);
  const [row] = (await db('webhooks').where({ id, project_id: projectId }).update(columns).returning('*')) as WebhookRow[];
  return row ? toWebhook(row) : null;
}

export async function deleteWebhook(db: Db, projectId: string, id: string): Promise<boolean> {
  return (await db('webhooks').where({ id, project_id: projectId }).delete().returning('id')).length > 0;
}

export interface Attempt {
  at: string;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
}

export interface Delivery {
  id: string;
  webhookId: string;
  eventId: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  /** Every attempt, oldest first (an addition to the contract's shape). */
  attemptLog: Attempt[];
}

export interface DeliveryQuery {
  status?: 'pending' | 'delivered' | 'failed' | undefined;
  limit: number;
  cursor?: string | undefined;
}

const badCursor = () => new AppError('VALIDATION_FAILED', 'The payload does not match the schema.', [{ path: 'cursor', message: 'is not a cursor this API returned' }]);

/** The log of one webhook, newest event first; the cursor is the last event's seq (unique per webhook). */
export async function listDeliveries(db: Db, webhookId: string, query: DeliveryQuery): Promise<{ data: Delivery[]; nextCursor: string | null }> {
  const builder = db('webhook_deliveries as d')
    .join('outbox_events as e', 'e.id', 'd.event_id')
    .where('d.webhook_id', webhookId)
    .select('d.*', 'e.type')
    .select(
      db.raw(
        `coalesce((select json_agg(json_build_object('at', a.attempted_at, 'responseStatus', a.response_status, 'error', a.error, 'durationMs', a.duration_ms) order by a.id)
                     from webhook_attempts a where a.delivery_id = d.id), '[]'::json) as attempt_log`,
      ),
    )
    .orderBy('d.event_seq', 'desc')
    .limit(query.limit + 1);
  if (query.status) builder.where('d.status', query.status);
  if (query.cursor !== undefined) {
    const seq = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!/^\d{1,18}$/.test(seq)) throw badCursor();
    builder.where('d.event_seq', '<', seq);
  }
  const rows = (await builder) as Record<string, unknown>[];
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map(toDelivery),
    nextCursor: rows.length > query.limit && last ? Buffer.from(String(last.event_seq)).toString('base64url') : null,
  };
}

function toDelivery(r: Record<string, unknown>): Delivery {
  const log = (typeof r.attempt_log === 'string' ? JSON.parse(r.attempt_log) : r.attempt_log) as Attempt[];
  return {
    id: r.id as string,
    webhookId: r.webhook_id as string,
    eventId: r.event_id as string,
    type: publicType(r.type as string),
    status: r.status as Delivery['status'],
    attempts: Number(r.attempts),
    responseStatus: (r.response_status as number | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    nextAttemptAt: toIso((r.next_attempt_at as Date | null) ?? null),
    createdAt: toIso(r.created_at as Date),
    deliveredAt: toIso((r.delivered_at as Date | null) ?? null),
    attemptLog: log.map((a) => ({ ...a, at: toIso(a.at) })),
  };
}

/** Sends it again as soon as possible (a delivered one too: the receiver asked for it). */
export async function retryDelivery(db: Db, webhookId: string, deliveryId: string): Promise<boolean> {
  const updated = await db('webhook_deliveries')
    .where({ id: deliveryId, webhook_id: webhookId })
    .update({ status: 'pending', next_attempt_at: db.fn.now(), delivered_at: null })
    .returning('id');
  // Counted by `returning`: the embedded client does not report affected rows.
  return updated.length > 0;
}
