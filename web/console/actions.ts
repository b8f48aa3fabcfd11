/** What an agent does to a conversation: join, close, reopen, transfer, read, typing, presence. */
import type { ChatStore } from './chat-store.js';
import { putConversation } from './chat-state.js';
import { savePresence } from './session.js';

export async function join(chat: ChatStore, conversationId: string): Promise<void> {
  const { conversation, messages } = await chat.command('conversation:join', { conversationId });
  chat.putConversation(conversation);
  // Following it from now on: what came before the join is in the answer, or fetched by the log.
  const log = chat.loadedLog(conversationId);
  if (log) messages.forEach((m) => log.apply(m));
  else await chat.openLog(conversationId);
}

export async function close(chat: ChatStore, conversationId: string): Promise<void> {
  chat.putConversation(await chat.command('conversation:close', { conversationId }));
}

export async function reopen(chat: ChatStore, conversationId: string): Promise<void> {
  chat.putConversation(await chat.command('conversation:reopen', { conversationId }));
}

export async function transfer(chat: ChatStore, conversationId: string, agentId: string): Promise<void> {
  chat.putConversation(await chat.command('conversation:transfer', { conversationId, agentId }));
}

/** Marks everything shown as read by the agents (the visitor sees the receipt). */
export function markRead(chat: ChatStore, conversationId: string): void {
  const conversation = chat.state.get().conversations[conversationId];
  const seq = Math.max(conversation?.lastSeq ?? 0, chat.loadedLog(conversationId)?.lastSeq ?? 0);
  if (!conversation || seq <= conversation.agentLastReadSeq || !chat.socket.connected) return;
  chat.update((s) => putConversation(s, { ...conversation, agentLastReadSeq: seq }));
  chat.command('conversation:read', { conversationId, seq }).catch(() => {});
}

/** Typing is a hint: a refusal (not a participant yet) is not worth showing. */
export function sendTyping(chat: ChatStore, conversationId: string, typing: boolean, isPrivate: boolean): void {
  if (!chat.socket.connected) return;
  chat.command('typing', { conversationId, typing, ...(isPrivate ? { private: true } : {}) }).catch(() => {});
}

export async function setPresence(chat: ChatStore, status: 'online' | 'away'): Promise<void> {
  chat.update((s) => ({ ...s, presence: status }));
  savePresence(chat.options.projectId, status);
  await chat.command('presence:set', { status });
}
