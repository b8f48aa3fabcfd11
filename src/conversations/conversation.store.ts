/** Conversations and their participants: SQL and the mapping to the public Conversation shape. */
import { v4 as uuidv4 } from 'uuid';
import { toIso, type Db } from '../db/executor.js';
import { newestFirstPage, type Page } from '../db/cursor.js';

export type ConversationStatus = 'unassigned' | 'assigned' | 'closed';

export interface Conversation {
  id: string;
  projectId: string;
  leadId: string;
  status: ConversationStatus;
  assigneeId: string | null;
  firstText: string | null;
  lastSeq: number;
  visitorLastReadSeq: number;
  agentLastReadSeq: number;
  /** Set by the visitor at `conversation:start` (page, department…): an addition to the contract's shape. */
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  rating: number | null;
}

export interface ConversationRow {
  id: string;
  project_id: string;
  lead_id: string;
  status: ConversationStatus;
  assignee_id: string | null;
  first_text: string | null;
  last_seq: number;
  visitor_last_read_seq: number;
  agent_last_read_seq: number;
  attributes: Record<string, unknown>;
  rating: number | null;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
}

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    projectId: row.project_id,
    leadId: row.lead_id,
    status: row.status,
    assigneeId: row.assignee_id,
    firstText: row.first_text,
    lastSeq: row.last_seq,
    visitorLastReadSeq: row.visitor_last_read_seq,
    agentLastReadSeq: row.agent_last_read_seq,
    attributes: row.attributes ?? {},
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
    closedAt: toIso(row.closed_at),
    rating: row.rating,
  };
}

export async function insertConversation(
  db: Db,
  input: { projectId: string; leadId: string; firstText: string | null; lastSeq: number; attributes: Record<string, unknown> },
): Promise<Conversation> {
  const [row] = await db<ConversationRow>('conversations')
    .insert({
      id: uuidv4(),
      project_id: input.projectId,
      lead_id: input.leadId,
      first_text: input.firstText,
      last_seq: input.lastSeq,
      attributes: JSON.stringify(input.attributes) as unknown as Record<string, unknown>,
    })
    .returning('*');
  return toConversation(row!);
}

export type ConversationChanges = Partial<Pick<ConversationRow, 'status' | 'assignee_id' | 'rating' | 'visitor_last_read_seq' | 'agent_last_read_seq'>> & {
  closed_at?: Date | null | ReturnType<Db['fn']['now']>;
  rating_comment?: string | null;
};

/** Applies `changes` to a conversation the caller already found (and locked) in its project. */
export async function updateConversation(db: Db, conversation: Pick<Conversation, 'id' | 'projectId'>, changes: ConversationChanges): Promise<Conversation> {
  const [row] = await db<ConversationRow>('conversations')
    .where({ id: conversation.id, project_id: conversation.projectId })
    .update({ ...changes, updated_at: db.fn.now() } as Record<string, unknown>)
    .returning('*');
  return toConversation(row!);
}

export interface ConversationQuery {
  status?: ConversationStatus;
  leadId?: string;
  /** null: conversations with no assignee. */
  assigneeId?: string | null;
  limit: number;
  cursor?: string;
}

/** Newest first, paged by an opaque (createdAt, id) cursor. */
export async function listConversations(db: Db, projectId: string, query: ConversationQuery): Promise<Page<Conversation>> {
  const builder = db('conversations').select('conversations.*').where({ project_id: projectId });
  if (query.status) builder.where({ status: query.status });
  if (query.leadId) builder.where({ lead_id: query.leadId });
  if (query.assigneeId === null) builder.whereNull('assignee_id');
  else if (query.assigneeId) builder.where({ assignee_id: query.assigneeId });
  return newestFirstPage(db, builder, 'conversations', query, toConversation);
}

export async function listConversationsOfLead(db: Db, projectId: string, leadId: string): Promise<Conversation[]> {
  const rows = await db<ConversationRow>('conversations')
    .where({ project_id: projectId, lead_id: leadId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  return rows.map(toConversation);
}

export async function addParticipant(db: Db, conversationId: string, agentId: string): Promise<void> {
  await db('conversation_participants').insert({ conversation_id: conversationId, agent_id: agentId }).onConflict(['conversation_id', 'agent_id']).ignore();
}

export async function removeParticipant(db: Db, conversationId: string, agentId: string): Promise<void> {
  await db('conversation_participants').where({ conversation_id: conversationId, agent_id: agentId }).delete();
}

/** Agents who joined (the assignee is always one once assigned). */
export async function listParticipants(db: Db, conversation: Pick<Conversation, 'id' | 'projectId'>): Promise<string[]> {
  const rows: { agent_id: string }[] = await db('conversation_participants')
    .whereIn('conversation_id', db('conversations').where({ id: conversation.id, project_id: conversation.projectId }).select('id'))
    .select('agent_id');
  return rows.map((r) => r.agent_id);
}

export async function listParticipantsOf(db: Db, conversationIds: string[]): Promise<Map<string, string[]>> {
  const byConversation = new Map<string, string[]>(conversationIds.map((id) => [id, []]));
  if (conversationIds.length === 0) return byConversation;
  const rows: { conversation_id: string; agent_id: string }[] = await db('conversation_participants')
    .whereIn('conversation_id', conversationIds)
    .select('conversation_id', 'agent_id');
  for (const row of rows) byConversation.get(row.conversation_id)?.push(row.agent_id);
  return byConversation;
}
