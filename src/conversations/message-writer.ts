/**
 * Group commit for messages: everything that arrives while a batch commits goes into the next
 * one, written with one multi-row INSERT in one transaction. One batch at a time per process
 * keeps messages in arrival order; row locks on conversations keep seq gap-free across processes.
 */
import type { Knex } from 'knex';
import { v4 as uuidv4 } from 'uuid';
import { AppError, toAppError } from '../errors.js';
import { refusalsUnderLock } from './access.js';
import { messageEvent, writeOutbox } from '../integrations/outbox.js';
import { toMessage, type Message, type MessageRow, type Sender } from './message.store.js';

export interface NewMessage {
  projectId: string;
  conversationId: string;
  clientMessageId: string;
  sender: Sender;
  text: string;
  attributes: Record<string, unknown>;
  /** An agent's note that only agents see: it takes a seq, never the conversation's firstText. */
  private: boolean;
  /**
   * Check that the sender (a visitor or an agent of `projectId`) may write here, under the
   * conversation's lock (access.ts refusalsUnderLock): one lookup per batch, not per message.
   */
  authorize?: boolean;
}

/** Who should hear about a message: read under the same lock that numbered it. */
export interface MessageAudience {
  projectId: string;
  leadId: string;
  assigneeId: string | null;
  participants: string[];
}

export interface WrittenMessage {
  message: Message;
  /** False when this clientMessageId was already stored in the conversation (a retry). */
  created: boolean;
  audience: MessageAudience;
}

/** Told about each committed batch (metrics). */
export interface CommitObserver {
  /** `size` messages went into one transaction; `waitedSeconds` has one entry per message stored (or found stored), from queueing to commit. */
  batchCommitted(size: number, waitedSeconds: number[]): void;
}

interface Pending {
  input: NewMessage;
  resolve(result: WrittenMessage): void;
  reject(err: unknown): void;
  queuedAt: number;
}

type Outcome = { result: WrittenMessage } | { error: AppError };

interface LockedConversation {
  id: string;
  project_id: string;
  lead_id: string;
  status: string;
  assignee_id: string | null;
  last_seq: number;
  first_text: string | null;
  dirty?: boolean;
}

/** Upper bound of one batch, to keep a statement's size sane under a burst. */
const MAX_BATCH = 500;

export class MessageWriter {
  private queue: Pending[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly observer?: CommitObserver,
  ) {}

  /** Resolves once the message is committed (or found already committed). */
  write(input: NewMessage): Promise<WrittenMessage> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject, queuedAt: performance.now() });
      this.draining ??= this.drain();
    });
  }

  /** Waits for everything queued so far to settle (used at shutdown). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Let the event loop read the socket frames already waiting: on PGlite a whole commit runs in microtasks, so without this yield every batch would hold one message.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.commitWithFallback(batch);
      }
    } finally {
      this.draining = null;
    }
  }

  private async commitWithFallback(batch: Pending[]): Promise<void> {
    try {
      settle(batch, this.observed(batch, await this.commit(batch)));
    } catch (err) {
      // One bad row must not fail its neighbours: unless the database itself is gone,
      // retry each message alone so only the culprit gets the error.
      if (batch.length === 1 || toAppError(err).code === 'UNAVAILABLE') {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) {
        try {
          settle([p], this.observed([p], await this.commit([p])));
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  /** Tells the observer about a committed batch; it runs inside the try above, so it must never throw. */
  private observed(batch: Pending[], outcomes: Outcome[]): Outcome[] {
    const now = performance.now();
    try {
      // Counted: the messages stored or found stored; a send refused under the lock (NOT_FOUND, FORBIDDEN, closed) waited for no commit of its own.
      const waited = batch.filter((_, i) => 'result' in outcomes[i]!).map((p) => (now - p.queuedAt) / 1000);
      if (waited.length > 0) this.observer?.batchCommitted(waited.length, waited);
    } catch {
      // Metrics only: a broken observer must not send a committed batch down the retry path.
    }
    return outcomes;
  }

  private commit(batch: Pending[]): Promise<Outcome[]> {
    return this.knex.transaction(async (trx) => {
      const ids = [...new Set(batch.map((p) => p.input.conversationId))].sort();
      // Locked in id order, so two processes' batches never deadlock on each other. The
      // participants come in the same round trip, read under the lock (the access check and the audience).
      const locked: (LockedConversation & { participants: string[] })[] = await trx('conversations')
        .whereIn('id', ids)
        .orderBy('id')
        .forUpdate()
        .select('id', 'project_id', 'lead_id', 'status', 'assignee_id', 'last_seq', 'first_text', trx.raw('array(select p.agent_id::text from conversation_participants p where p.conversation_id = conversations.id) as participants'));
      const conversations = new Map(locked.map((c) => [c.id, c]));
      const key = (conversationId: string, clientMessageId: string) => `${conversationId}\u0000${clientMessageId}`;

      const participants = new Map(locked.map((c) => [c.id, c.participants]));
      const refusals = await refusalsOf(trx, batch, conversations, participants);

      // Probed pair by pair through the (conversation_id, client_message_id) index: the cost must not grow with the table, statistics or not.
      const pairs = [...new Map(batch.map((p) => [key(p.input.conversationId, p.input.clientMessageId), p.input])).values()];
      const list = pairs.map(() => '?').join(', ');
      const stored: MessageRow[] = (
        await trx.raw(
          `select m.* from unnest(array[${list}]::uuid[], array[${list}]::text[]) as k(conversation_id, client_message_id)
             join messages m on m.conversation_id = k.conversation_id and m.client_message_id = k.client_message_id`,
          [...pairs.map((p) => p.conversationId), ...pairs.map((p) => p.clientMessageId)],
        )
      ).rows;
      const storedByKey = new Map(stored.map((row) => [key(row.conversation_id, row.client_message_id), row]));

      const rows: Record<string, unknown>[] = [];
      const newIdByKey = new Map<string, string>();
      const plan: ({ error: AppError } | { key: string; created: boolean })[] = [];
      for (const [i, { input }] of batch.entries()) {
        const conversation = conversations.get(input.conversationId);
        const k = key(input.conversationId, input.clientMessageId);
        const refusal = refusals[i];
        if (!conversation || conversation.project_id !== input.projectId) {
          plan.push({ error: new AppError('NOT_FOUND', 'No such conversation in this project.') });
        } else if (refusal) {
          plan.push({ error: refusal });
        } else if (storedByKey.has(k) || newIdByKey.has(k)) {
          plan.push({ key: k, created: false });
        } else if (conversation.status === 'closed') {
          plan.push({ error: new AppError('CONVERSATION_CLOSED', 'This conversation is closed.') });
        } else {
          conversation.last_seq += 1;
          if (!input.private) conversation.first_text ??= input.text;
          conversation.dirty = true;
          const id = uuidv4();
          newIdByKey.set(k, id);
          rows.push({
            id,
            conversation_id: input.conversationId,
            seq: conversation.last_seq,
            client_message_id: input.clientMessageId,
            sender_type: input.sender.type,
            sender_id: input.sender.id,
            text: input.text,
            attributes: JSON.stringify(input.attributes),
            private: input.private,
          });
          plan.push({ key: k, created: true });
        }
      }

      // Only what the database decides comes back; the rest of each row is what we sent.
      const inserted: { id: string; created_at: Date | string }[] = rows.length > 0 ? await trx('messages').insert(rows).returning(['id', 'created_at']) : [];
      const createdAtById = new Map(inserted.map((row) => [row.id, row.created_at]));
      const insertedById = new Map<string, MessageRow>(
        rows.map((r) => [r.id as string, { ...r, attributes: JSON.parse(r.attributes as string), created_at: createdAtById.get(r.id as string) } as unknown as MessageRow]),
      );
      const dirty = locked.filter((c) => c.dirty);
      if (dirty.length > 0) {
        await trx.raw(
          `update conversations c
              set last_seq = v.last_seq, first_text = coalesce(c.first_text, v.first_text), updated_at = now()
             from (values ${dirty.map(() => '(?::uuid, ?::int, ?::text)').join(', ')}) as v(id, last_seq, first_text)
            where c.id = v.id`,
          dirty.flatMap((c) => [c.id, c.last_seq, c.first_text]),
        );
      }
      // Webhooks: this batch's message.created events, one multi-row INSERT in this same
      // transaction (src/integrations/outbox.ts), in the order the messages were numbered.
      await writeOutbox(trx, rows.map((r) => messageEvent(conversations.get(r.conversation_id as string)!.project_id, toMessage(insertedById.get(r.id as string)!))));

      return plan.map((step, i): Outcome => {
        if ('error' in step) return step;
        const input = batch[i]!.input;
        const conversation = conversations.get(input.conversationId)!;
        const row = storedByKey.get(step.key) ?? insertedById.get(newIdByKey.get(step.key)!)!;
        // Only the first of several identical sends in one batch counts as created.
        const created = step.created;
        return {
          result: {
            message: toMessage(row),
            created,
            audience: {
              projectId: conversation.project_id,
              leadId: conversation.lead_id,
              assigneeId: conversation.assignee_id,
              participants: participants.get(conversation.id) ?? [],
            },
          },
        };
      });
    });
  }
}

/** Per message: its refusal if it asked to be authorized and its sender may not write there. */
async function refusalsOf(trx: Knex.Transaction, batch: Pending[], conversations: Map<string, LockedConversation>, participants: Map<string, string[]>): Promise<(AppError | null)[]> {
  const asked = batch.flatMap((p, i) => {
    const conversation = conversations.get(p.input.conversationId);
    return p.input.authorize && conversation && conversation.project_id === p.input.projectId ? [{ i, conversation }] : [];
  });
  const refusals: (AppError | null)[] = batch.map(() => null);
  if (asked.length === 0) return refusals;
  const found = await refusalsUnderLock(
    trx,
    asked.map(({ i, conversation }) => ({ projectId: batch[i]!.input.projectId, sender: batch[i]!.input.sender, conversation, participants: participants.get(conversation.id) ?? [] })),
  );
  asked.forEach(({ i }, j) => (refusals[i] = found[j]!));
  return refusals;
}

function settle(batch: Pending[], outcomes: Outcome[]): void {
  batch.forEach((p, i) => {
    const outcome = outcomes[i]!;
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.result);
  });
}
