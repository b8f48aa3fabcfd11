/** Payload schemas of the socket commands both namespaces share. Unknown keys are stripped. */
import { z } from 'zod';
import { attributes, clientMessageId, messageText, seq, uuid } from '../validation.js';
import { MAX_PAGE } from '../conversations/message.store.js';

export const conversationRef = z.object({ conversationId: uuid });

export const sendMessage = z.object({
  conversationId: uuid,
  clientMessageId,
  text: messageText,
  attributes: attributes.optional(),
  // A visitor may say `private: false` (it changes nothing); `true` is refused, never ignored.
  private: z.literal(false, { error: 'only agents may send private notes' }).optional(),
});

/** An agent's message may be a private note, seen by the conversation's agents only. */
export const agentSendMessage = sendMessage.extend({ private: z.boolean().optional() });

export const listMessagesInput = z.object({
  conversationId: uuid,
  afterSeq: seq.optional(),
  beforeSeq: seq.optional(),
  limit: z.number().int().min(1).max(MAX_PAGE).optional(),
});

export const readInput = z.object({ conversationId: uuid, seq });

export const typingInput = z.object({
  conversationId: uuid,
  typing: z.boolean(),
  private: z.literal(false, { error: 'only agents may type private notes' }).optional(),
});

/** An agent writing a private note types with `private: true`: only the other agents are told. */
export const agentTypingInput = typingInput.extend({ private: z.boolean().optional() });
