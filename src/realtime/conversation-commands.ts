/** The commands both namespaces share: send, list, read and typing, for whichever side the actor is. */
import type { Deps } from '../deps.js';
import { assertMayWrite, conversationFor } from '../conversations/access.js';
import { senderOf, type Actor } from '../conversations/actor.js';
import { markRead } from '../conversations/conversation.service.js';
import { listMessages } from '../conversations/message.store.js';
import { admitMessage } from '../conversations/send-message.js';
import type { Register } from './ack.js';
import type { ConversationCommands } from './events.js';
import { audienceOf, audienceOfMessage } from './audience.js';
import { agentSendMessage, agentTypingInput, listMessagesInput, readInput, sendMessage, typingInput } from './command-schemas.js';
import type { Notifier } from './notifier.js';
import { SendOrder } from './send-order.js';
import { TypingTimers } from './typing-timers.js';

/** The socket the commands arrive on: its id (never echoed to) and its end (typing ends with it). */
interface CommandSocket {
  id: string;
  on(event: 'disconnect', listener: () => void): unknown;
}

export function registerConversationCommands(on: Register<ConversationCommands>, socket: CommandSocket, actor: Actor, deps: Deps, notifier: Notifier): void {
  const knex = deps.db.knex;
  const socketId = socket.id;
  const me = senderOf(actor);
  // One per socket: its messages keep the order it sent them in.
  const sends = new SendOrder();
  const typingTimers = new TypingTimers(notifier, socketId, me, deps.config.typingTimeoutMs);
  socket.on('disconnect', () => typingTimers.disconnected());
  // Only agents write private notes; a visitor's `private: true` is VALIDATION_FAILED.
  const sendSchema = actor.type === 'agent' ? agentSendMessage : sendMessage;
  const typingSchema = actor.type === 'agent' ? agentTypingInput : typingInput;

  on('message:send', sendSchema, async (input) => {
    const written = await sends.run(() => admitMessage(knex, deps.messages, actor, input));
    if (written.created) notifier.messageCreated(written.message, audienceOfMessage(written.audience), socketId);
    typingTimers.messageSent(written.message.conversationId);
    return written.message;
  });

  on('message:list', listMessagesInput, async ({ conversationId, ...query }) => {
    const conversation = await conversationFor(knex, actor, conversationId);
    return listMessages(knex, conversation, query, actor.type);
  });

  on('conversation:read', readInput, async ({ conversationId, seq }) => {
    const { conversation, moved } = await markRead(knex, actor, conversationId, seq);
    if (moved) {
      const readSeq = actor.type === 'visitor' ? conversation.visitorLastReadSeq : conversation.agentLastReadSeq;
      notifier.conversationRead(await audienceOf(knex, conversation), conversation.id, me, readSeq);
    }
    return {};
  });

  on('typing', typingSchema, async ({ conversationId, typing, private: isPrivate }) => {
    const conversation = await conversationFor(knex, actor, conversationId);
    // Only an agent who may write in the conversation may be seen typing in it.
    if (actor.type === 'agent') await assertMayWrite(knex, actor, conversation);
    typingTimers.typing(conversation.id, await audienceOf(knex, conversation), typing, isPrivate === true);
    return {};
  });
}
