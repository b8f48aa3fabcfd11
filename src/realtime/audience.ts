/** Who takes part in a conversation, for fan-out: its lead and its agents. */
import type { Db } from '../db/executor.js';
import { listParticipants, type Conversation } from '../conversations/conversation.store.js';
import type { MessageAudience } from '../conversations/message-writer.js';
import type { ConversationAudience } from './notifier.js';

/** The lead and the agents (assignee first, then those who joined) of a conversation or a message. */
export function audienceOfMessage(audience: MessageAudience): ConversationAudience {
  const { projectId, leadId, assigneeId, participants } = audience;
  return { projectId, leadId, agentIds: assigneeId ? [assigneeId, ...participants] : participants };
}

export async function audienceOf(db: Db, conversation: Conversation): Promise<ConversationAudience> {
  const participants = await listParticipants(db, conversation);
  return audienceOfMessage({ ...conversation, participants });
}
