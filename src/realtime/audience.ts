/** Who takes part in a conversation, for fan-out: its lead and its agents. */
import type { Db } from '../db/executor.js';
import { listParticipants, type Conversation } from '../conversations/conversation.store.js';
import type { MessageAudience } from '../conversations/message-writer.js';
import type { ConversationAudience } from './notifier.js';

export async function audienceOf(db: Db, conversation: Conversation): Promise<ConversationAudience> {
  const participants = await listParticipants(db, conversation.id);
  return {
    projectId: conversation.projectId,
    leadId: conversation.leadId,
    agentIds: conversation.assigneeId ? [conversation.assigneeId, ...participants] : participants,
  };
}

export function audienceOfMessage(audience: MessageAudience): ConversationAudience {
  return {
    projectId: audience.projectId,
    leadId: audience.leadId,
    agentIds: audience.assigneeId ? [audience.assigneeId, ...audience.participants] : audience.participants,
  };
}
