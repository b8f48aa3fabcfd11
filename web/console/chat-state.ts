/** The console's chat state and the pure functions that change it. Messages live in web/shared's ConversationLog, one per open conversation. */
import type { Conversation, Lead, Member } from './types.js';

export interface ChatState {
  connection: 'connecting' | 'connected' | 'disconnected';
  /** What the agent chose; sent again after every reconnect. */
  presence: 'online' | 'away';
  conversations: Record<string, Conversation>;
  /** Conversations whose visitor is typing now. */
  visitorTyping: Record<string, boolean>;
  /** Leads of the listed conversations, for their names. */
  leads: Record<string, Lead>;
  members: Member[];
  listsLoaded: boolean;
  /** Bumped when leads change under the console's feet (a merge): contact views reload. */
  leadRevision: number;
}

export const initialChatState = (): ChatState => ({
  connection: 'connecting',
  presence: 'online',
  conversations: {},
  visitorTyping: {},
  leads: {},
  members: [],
  listsLoaded: false,
  leadRevision: 0,
});

/** Seqs and read positions only move forward: an older copy of a conversation never moves them back. */
function newer(known: Conversation | undefined, incoming: Conversation): Conversation {
  if (!known) return incoming;
  return {
    ...incoming,
    lastSeq: Math.max(known.lastSeq, incoming.lastSeq),
    visitorLastReadSeq: Math.max(known.visitorLastReadSeq, incoming.visitorLastReadSeq),
    agentLastReadSeq: Math.max(known.agentLastReadSeq, incoming.agentLastReadSeq),
  };
}

export function putConversation(state: ChatState, conversation: Conversation): ChatState {
  const conversations = { ...state.conversations, [conversation.id]: newer(state.conversations[conversation.id], conversation) };
  return { ...state, conversations };
}

/** The lists as the server answers them now (conversations gone from them are gone). */
export function replaceConversations(state: ChatState, list: Conversation[]): ChatState {
  const conversations: Record<string, Conversation> = {};
  for (const c of list) conversations[c.id] = newer(state.conversations[c.id], c);
  return { ...state, conversations, listsLoaded: true };
}

/** The number of messages after the agents' read position. */
export const unreadCount = (c: Conversation) => Math.max(0, c.lastSeq - c.agentLastReadSeq);

export const visibleName = (lead: Lead | undefined): string | null => lead?.fullname || lead?.email || null;

/** A message with this seq exists: the conversation's lastSeq (and so its unread count) follows. */
export function sawSeq(state: ChatState, conversationId: string, seq: number): ChatState {
  const known = state.conversations[conversationId];
  return known && seq > known.lastSeq ? putConversation(state, { ...known, lastSeq: seq }) : state;
}
