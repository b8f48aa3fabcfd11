/** Messages: SQL and the mapping to the public Message shape. Writes go through MessageWriter. */
import { toIso, type Db } from '../db/executor.js';

export type SenderType = 'visitor' | 'agent' | 'system';

export interface Sender {
  type: SenderType;
  id: string | null;
}

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  clientMessageId: string;
  sender: Sender;
  text: string;
  attributes: Record<string, unknown>;
  /** An agent's internal note: only agents ever see it. */
  private: boolean;
  createdAt: string;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  client_message_id: string;
  sender_type: SenderType;
  sender_id: string | null;
  text: string;
  attributes: Record<string, unknown>;
  private: boolean;
  created_at: Date;
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    clientMessageId: row.client_message_id,
    sender: { type: row.sender_type, id: row.sender_id },
    text: row.text,
    attributes: row.attributes ?? {},
    private: row.private ?? false,
    createdAt: toIso(row.created_at),
  };
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

export interface MessageQuery {
  afterSeq?: number;
  beforeSeq?: number;
  limit?: number;
}

/** Whose eyes a list is for: a visitor never gets private notes. */
export type MessageReader = 'visitor' | 'agent';

/**
 * By ascending seq. After `afterSeq`: the first `limit`; before `beforeSeq`: the last `limit`
 * (both: the first `limit` strictly between them); neither: the latest `limit`.
 * For a visitor, private notes are filtered in SQL, so `limit` counts the messages it may see
 * (its seqs then have holes). `visibleTo` has no default: every reader must say who it is.
 */
export async function listMessages(db: Db, conversation: { id: string; projectId: string }, query: MessageQuery, visibleTo: MessageReader): Promise<Message[]> {
  const limit = query.limit ?? DEFAULT_PAGE;
  const builder = db<MessageRow>('messages')
    .where({ conversation_id: conversation.id })
    .whereExists(db('conversations').where({ id: conversation.id, project_id: conversation.projectId }).select(db.raw('1')));
  if (visibleTo === 'visitor') builder.where({ private: false });
  if (query.afterSeq !== undefined) builder.where('seq', '>', query.afterSeq);
  if (query.beforeSeq !== undefined) builder.where('seq', '<', query.beforeSeq);
  if (query.afterSeq !== undefined) {
    return (await builder.orderBy('seq', 'asc').limit(limit)).map(toMessage);
  }
  const rows = await builder.orderBy('seq', 'desc').limit(limit);
  return rows.reverse().map(toMessage);
}
