/**
 * Group commit for messages: everything that arrives while a batch commits goes into the next
 * one, written by one call of a database function (one round trip, one transaction). One batch
 * at a time per process keeps messages in arrival order; row locks on conversations keep seq
 * gap-free across processes. On PostgreSQL a batch's senders are answered once the next batch
 * has left (GroupCommit's `overlap`), so the database is not idle while they are.
 */
import type { Knex } from 'knex';
import { v4 as uuidv4 } from 'uuid';
import { AppError } from '../errors.js';
import { GroupCommit, type GroupCommitOptions, type Queued } from '../db/group-commit.js';
import { outboxSignal } from '../integrations/outbox.js';
import type { Message, Sender, SenderType } from './message.store.js';

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
   * conversation's lock, inside the batch (the rules of access.ts conversationFor + assertMayWrite).
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

type Pending = Queued<NewMessage, WrittenMessage>;

type Outcome = { result: WrittenMessage } | { error: AppError };

export class MessageWriter {
  private readonly batches: GroupCommit<NewMessage, WrittenMessage>;

  constructor(
    private readonly knex: Knex,
    private readonly observer?: CommitObserver,
    options: GroupCommitOptions = {},
  ) {
    this.batches = new GroupCommit(async (batch) => {
      const outcomes = this.observed(batch, await this.commit(batch));
      return () => settle(batch, outcomes);
    }, options);
  }

  /** Resolves once the message is committed (or found already committed). */
  write(input: NewMessage): Promise<WrittenMessage> {
    return this.batches.submit(input);
  }

  /** Waits for everything queued so far to settle (used at shutdown). */
  flush(): Promise<void> {
    return this.batches.flush();
  }

  /** Tells the observer about a committed batch; it runs inside the group commit's try, so it must never throw. */
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

  /**
   * One round trip: pingstreams_write_messages (migrations/20261203090000_message_batch_function.ts)
   * locks the batch's conversations in id order, checks access under the locks (what
   * conversationFor + assertMayWrite check one by one elsewhere), finds retries through the
   * (conversation_id, client_message_id) index, numbers and inserts the new messages, bumps each
   * conversation and writes the outbox events of projects with message webhooks; its implicit
   * transaction commits before the rows come back. One row per message, in batch order.
   */
  private async commit(batch: Pending[]): Promise<Outcome[]> {
    const input = batch.map(({ input }, i) => ({
      i,
      id: uuidv4(),
      project_id: input.projectId,
      conversation_id: input.conversationId,
      client_message_id: input.clientMessageId,
      sender_type: input.sender.type,
      sender_id: input.sender.id,
      text: input.text,
      attributes: input.attributes,
      private: input.private,
      authorize: input.authorize ?? false,
    }));
    // A named (prepared) statement on PostgreSQL (PGlite ignores the name): parsed and planned
    // once per connection, not on every batch (≈ 70 µs a call, measured with pgbench). Its
    // columns are listed, so a later change to the function's result cannot change the
    // statement's result type on a connection that prepared it.
    const result = (await this.knex.raw(WRITE_SQL, [JSON.stringify(input)]).options({ name: 'pingstreams_write_messages' })) as { rows: [{ answers: BatchRow[] }] };
    const answers = result.rows[0].answers;
    if (answers.length !== batch.length) throw new Error(`pingstreams_write_messages answered ${answers.length} rows for ${batch.length} messages`);
    // The batch wrote outbox events (and has committed): wake this process's delivery workers.
    if (answers.some((row) => row[0] === 'created' && row[12])) outboxSignal.emit('written');
    return answers.map((row, i) => toOutcome(row, batch[i]!.input));
  }
}

// Only what the caller does not know already: a row's conversation_id and client_message_id are
// the message's own (a retry is found by them), and its conversation's project_id is the one it
// named (any other is not_found); its i is its place in the batch, which orders the answers.
// The whole answer is one json value, an array per message: one field for the driver to decode
// and one native JSON.parse, where 13 columns per row cost a decode each (in PGlite's JavaScript
// protocol parser ≈ 1.8 µs a field; on PostgreSQL pg's row parser, its date and array parsers
// and toIso were ≈ 3% of the server's CPU in the bench). created_at comes as the API's ISO
// string (milliseconds truncated, as the Date the driver would make of it: toIso of a stored
// row gives the same text).
export const WRITE_SQL = `select coalesce(json_agg(json_build_array(outcome, id, seq, sender_type, sender_id, text, attributes, private,
    to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    lead_id, assignee_id, participants, webhooks) order by i), '[]') as answers
  from pingstreams_write_messages(?::jsonb)`;

/**
 * What pingstreams_write_messages answers per message, in WRITE_SQL's order: outcome, then the
 * stored message (a created one without what we sent: sender, text, attributes, private), then
 * its conversation's audience, then whether the function wrote outbox events.
 */
type BatchRow = [
  outcome: 'created' | 'stored' | 'not_found' | 'forbidden' | 'closed',
  id: string | null,
  seq: number | null,
  senderType: SenderType | null,
  senderId: string | null,
  text: string | null,
  attributes: Record<string, unknown> | null,
  isPrivate: boolean | null,
  createdAt: string | null,
  leadId: string,
  assigneeId: string | null,
  participants: string[] | null,
  /** The project has an active webhook listening to messages: the function wrote outbox events. */
  webhooks: boolean,
];

function toOutcome(row: BatchRow, input: NewMessage): Outcome {
  const [outcome, id, seq, senderType, senderId, text, attributes, isPrivate, createdAt, leadId, assigneeId, participants] = row;
  switch (outcome) {
    case 'not_found':
      return { error: new AppError('NOT_FOUND', 'No such conversation in this project.') };
    case 'forbidden':
      return { error: new AppError('FORBIDDEN', 'Only the assignee, agents who joined, owners and admins may do this.') };
    case 'closed':
      return { error: new AppError('CONVERSATION_CLOSED', 'This conversation is closed.') };
    default: {
      // The public shape (message.store.ts toMessage), field for field.
      const created = outcome === 'created';
      const message: Message = {
        id: id!,
        conversationId: input.conversationId,
        seq: seq!,
        clientMessageId: input.clientMessageId,
        sender: created ? { type: input.sender.type, id: input.sender.id } : { type: senderType!, id: senderId },
        text: created ? input.text : text!,
        attributes: (created ? input.attributes : attributes) ?? {},
        private: (created ? input.private : isPrivate) ?? false,
        createdAt: createdAt!,
      };
      return {
        result: {
          message,
          // Only the first of several identical sends (in this batch or before) counts as created.
          created,
          audience: { projectId: input.projectId, leadId, assigneeId, participants: participants ?? [] },
        },
      };
    }
  }
}

function settle(batch: Pending[], outcomes: Outcome[]): void {
  batch.forEach((p, i) => {
    const outcome = outcomes[i]!;
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.result);
  });
}
