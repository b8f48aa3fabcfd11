/**
 * The outbox: events are written by the transaction that made the change, so a crash can delay
 * an event but never drop one. The delivery worker (delivery-worker.ts) fans them out to webhooks.
 */
import { EventEmitter } from 'node:events';
import { v4 as uuidv4 } from 'uuid';
import type { Db } from '../db/executor.js';
import type { Lead } from '../contacts/lead.store.js';
import type { Conversation } from '../conversations/conversation.store.js';
import type { Message } from '../conversations/message.store.js';

export const EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'lead.deleted',
  'lead.merged',
  'conversation.created',
  'conversation.updated',
  'message.created',
  'message.created.private',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboxEvent {
  projectId: string;
  /** What webhooks subscribe to; a private note is `message.created.private`. */
  type: EventType;
  /** `lead:<id>` or `conversation:<id>`: the unit of ordering. */
  subjectKey: string;
  data: unknown;
}

/** Wakes this process's delivery workers after a commit that wrote events (others poll). */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(0);

/** Writes `events` with ONE multi-row INSERT on `db` (the caller's transaction). */
export async function writeOutbox(db: Db, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db('outbox_events').insert(
    events.map((e) => ({ id: uuidv4(), project_id: e.projectId, type: e.type, subject_key: e.subjectKey, payload: JSON.stringify(e.data) })),
  );
  // Wake the workers once the rows are visible: after the commit when `db` is a transaction.
  const committed = (db as { executionPromise?: Promise<unknown> }).executionPromise;
  if (committed) committed.then(() => outboxSignal.emit('written'), () => {});
  else setImmediate(() => outboxSignal.emit('written'));
}

export const leadEvent = (type: 'lead.created' | 'lead.updated', lead: Lead): OutboxEvent => ({
  projectId: lead.projectId,
  type,
  subjectKey: `lead:${lead.id}`,
  data: lead,
});

export const leadDeletedEvent = (projectId: string, leadId: string): OutboxEvent => ({
  projectId,
  type: 'lead.deleted',
  subjectKey: `lead:${leadId}`,
  data: { leadId },
});

/** Ordered with the target's events: the target is what lives on. */
export const leadMergedEvent = (lead: Lead, mergedLeadId: string): OutboxEvent => ({
  projectId: lead.projectId,
  type: 'lead.merged',
  subjectKey: `lead:${lead.id}`,
  data: { lead, mergedLeadId },
});

export const conversationEvent = (type: 'conversation.created' | 'conversation.updated', conversation: Conversation): OutboxEvent => ({
  projectId: conversation.projectId,
  type,
  subjectKey: `conversation:${conversation.id}`,
  data: conversation,
});

export const messageEvent = (projectId: string, message: Message): OutboxEvent => ({
  projectId,
  type: message.private ? 'message.created.private' : 'message.created',
  subjectKey: `conversation:${message.conversationId}`,
  data: message,
});

/** The `type` a receiver sees: a private note is a `message.created` with `private: true`. */
export const publicType = (type: string): string => (type === 'message.created.private' ? 'message.created' : type);
