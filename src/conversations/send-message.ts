/** Sending a message: check who may write, then queue it for the group commit. */
import type { Knex } from 'knex';
import { assertMayWrite, conversationFor } from './access.js';
import { senderOf, type Actor } from './actor.js';
import type { MessageWriter, WrittenMessage } from './message-writer.js';

export interface SendInput {
  conversationId: string;
  clientMessageId: string;
  text: string;
  attributes?: Record<string, unknown>;
}

/**
 * Admits a message: resolves once it is queued (in call order), with `done` resolving once it
 * is committed. Callers that need per-socket order admit one message after the other and let
 * the commits overlap. Whether the conversation is closed is decided at commit, under its lock.
 */
export async function admitMessage(
  knex: Knex,
  writer: MessageWriter,
  actor: Actor,
  input: SendInput,
): Promise<{ done: Promise<WrittenMessage> }> {
  const conversation = await conversationFor(knex, actor, input.conversationId);
  if (actor.type === 'agent') await assertMayWrite(knex, actor, conversation);
  const done = writer.write({
    projectId: actor.projectId,
    conversationId: conversation.id,
    clientMessageId: input.clientMessageId,
    sender: senderOf(actor),
    text: input.text,
    attributes: input.attributes ?? {},
  });
  // The caller awaits `done`; this keeps an early rejection from counting as unhandled.
  done.catch(() => undefined);
  return { done };
}
