/** Typed Socket.IO events shared by both ends: commands are imperative, notifications past tense. */
import type { ErrorBody } from '../errors.js';
import type { Lead } from '../contacts/lead.store.js';
import type { Conversation } from '../conversations/conversation.store.js';
import type { Message, Sender } from '../conversations/message.store.js';
import type { AgentStatus } from '../presence/presence-store.js';

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckCallback<T> = (response: Ack<T>) => void;
type Command<T> = (payload: unknown, ack: AckCallback<T>) => void;

type Empty = Record<string, never>;

export interface SessionPayload {
  visitorId: string;
  token: string;
  leadId: string | null;
}

export interface TypingPayload {
  conversationId: string;
  sender: Sender;
  typing: boolean;
}

export interface ReadPayload {
  conversationId: string;
  reader: Sender;
  seq: number;
}

/** Events both namespaces may receive. */
export interface SharedServerEvents {
  'message:created': (message: Message) => void;
  'conversation:updated': (conversation: Conversation) => void;
  typing: (payload: TypingPayload) => void;
  'conversation:read': (payload: ReadPayload) => void;
  'lead:merged': (payload: { leadId: string; mergedLeadId: string }) => void;
}

export interface VisitorServerEvents extends SharedServerEvents {
  session: (payload: SessionPayload) => void;
  'queue:position': (payload: { conversationId: string; position: number }) => void;
}

export interface AgentServerEvents extends SharedServerEvents {
  'conversation:created': (conversation: Conversation) => void;
  'presence:changed': (payload: { agentId: string; status: AgentStatus }) => void;
  'visitor:presence': (payload: { leadId: string; visitorId: string; online: boolean }) => void;
}

/** The commands both namespaces share, with the same payloads and acks. */
export interface ConversationCommands {
  'message:send': Command<Message>;
  'message:list': Command<Message[]>;
  'conversation:read': Command<Empty>;
  typing: Command<Empty>;
}

export interface VisitorCommands extends ConversationCommands {
  'lead:update': Command<Lead>;
  'conversation:start': Command<Conversation>;
  'conversation:list': Command<Conversation[]>;
  'conversation:rate': Command<Conversation>;
}

export interface AgentCommands extends ConversationCommands {
  'presence:set': Command<{ status: 'online' | 'away' }>;
  'conversation:list': Command<Conversation[]>;
  'conversation:join': Command<{ conversation: Conversation; messages: Message[] }>;
  'conversation:leave': Command<Empty>;
  'conversation:close': Command<Conversation>;
  'conversation:reopen': Command<Conversation>;
  'conversation:transfer': Command<Conversation>;
}

export interface VisitorSocketData {
  projectId: string;
  visitorId: string;
  /**
   * Sent as `session` once the connection is accepted, then dropped: an idle widget socket would
   * otherwise hold its token for its whole life (issue 9).
   */
  session?: SessionPayload;
}

export interface AgentSocketData {
  projectId: string;
  agentId: string;
  /** Seconds since the epoch; the socket is disconnected then. */
  tokenExpiresAt: number;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InterServerEvents {}
