/** Sending a message: queue it for the group commit, which checks who may write under the conversation's lock. */
import type { Knex } from 'knex';
import { senderOf, type Actor } from './actor.js';
import type { MessageWriter, WrittenMessage } from './message-writer.js';

export interface SendInput {
  conversationId: string;
  clientMessageId: string;
  text: string;
  attributes?: Record<string, unknown>;
  /** Agents only (the visitor's schema refuses it): a note the visitor never sees. */
  private?: boolean;
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
  // conversationFor + assertMayWrite's rules run inside the batch (pingstreams_write_messages):
  // checked under the conversation's lock in the batch's one round trip, not one query per message.
  const done = writer.write({
    projectId: actor.projectId,
    conversationId: input.conversationId,
    clientMessageId: input.clientMessageId,
    sender: senderOf(actor),
    text: input.text,
    attributes: input.attributes ?? {},
    // Checked here too, not only at the edge: a visitor's message is never private.
    private: actor.type === 'agent' && input.private === true,
    authorize: true,
  });
  // The caller awaits `done`; this keeps an early rejection from counting as unhandled.
  done.catch(() => undefined);
  return { done };
}
