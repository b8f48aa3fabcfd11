/**
 * Group commit for messages: everything that arrives while a batch commits goes into the next
 * one, written with one multi-row INSERT in one transaction. One batch at a time per process
 * keeps messages in arrival order; row locks on conversations keep seq gap-free across processes.
 */
import type { Knex } from 'knex';
import { v4 as uuidv4 } from 'uuid';
import { AppError, toAppError } from '../errors.js';
import { listParticipantsOf } from './conversation.store.js';
import { toMessage, type Message, type MessageRow, type Sender } from './message.store.js';

export interface NewMessage {
  projectId: string;
  conversationId: string;
  clientMessageId: string;
  sender: Sender;
  text: string;
  attributes: Record<string, unknown>;
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

interface Pending {
  input: NewMessage;
  resolve(result: WrittenMessage): void;
  reject(err: unknown): void;
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

  constructor(private readonly knex: Knex) {}

  /** Resolves once the message is committed (or found already committed). */
  write(input: NewMessage): Promise<WrittenMessage> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
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
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.commitWithFallback(batch);
      }
    } finally {
      this.draining = null;
    }
  }

  private async commitWithFallback(batch: Pending[]): Promise<void> {
    try {
      settle(batch, await this.commit(batch));
    } catch (err) {
      // One bad row must not fail its neighbours: unless the database itself is gone,
      // retry each message alone so only the culprit gets the error.
      if (batch.length === 1 || toAppError(err).code === 'UNAVAILABLE') {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) {
        try {
          settle([p], await this.commit([p]));
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  private commit(batch: Pending[]): Promise<Outcome[]> {
    return this.knex.transaction(async (trx) => {
      const ids = [...new Set(batch.map((p) => p.input.conversationId))].sort();
      // Locked in id order, so two processes' batches never deadlock on each other.
      const locked: LockedConversation[] = await trx('conversations')
        .whereIn('id', ids)
        .orderBy('id')
        .forUpdate()
        .select('id', 'project_id', 'lead_id', 'status', 'assignee_id', 'last_seq', 'first_text');
      const conversations = new Map(locked.map((c) => [c.id, c]));
      const key = (conversationId: string, clientMessageId: string) => `${conversationId}\u0000${clientMessageId}`;

      const stored: MessageRow[] = await trx('messages')
        .whereIn('conversation_id', ids)
        .whereIn('client_message_id', [...new Set(batch.map((p) => p.input.clientMessageId))]);
      const storedByKey = new Map(stored.map((row) => [key(row.conversation_id, row.client_message_id), row]));

      const rows: Record<string, unknown>[] = [];
      const newIdByKey = new Map<string, string>();
      const plan: ({ error: AppError } | { key: string; created: boolean })[] = [];
      for (const { input } of batch) {
        const conversation = conversations.get(input.conversationId);
        const k = key(input.conversationId, input.clientMessageId);
        if (!conversation || conversation.project_id !== input.projectId) {
          plan.push({ error: new AppError('NOT_FOUND', 'No such conversation in this project.') });
        } else if (storedByKey.has(k) || newIdByKey.has(k)) {
          plan.push({ key: k, created: false });
        } else if (conversation.status === 'closed') {
          plan.push({ error: new AppError('CONVERSATION_CLOSED', 'This conversation is closed.') });
        } else {
          conversation.last_seq += 1;
          conversation.first_text ??= input.text;
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
          });
          plan.push({ key: k, created: true });
        }
      }

      const inserted: MessageRow[] = rows.length > 0 ? await trx('messages').insert(rows).returning('*') : [];
      const insertedById = new Map(inserted.map((row) => [row.id, row]));
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
      const participants = await listParticipantsOf(trx, [...conversations.keys()]);

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

function settle(batch: Pending[], outcomes: Outcome[]): void {
  batch.forEach((p, i) => {
    const outcome = outcomes[i]!;
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.result);
  });
}
