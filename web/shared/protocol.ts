/**
 * The wire protocol as the pages see it: the server's own types (never copied; imports are
 * type-only, so no server code reaches a bundle) and `call`, one acked command with a timeout.
 *
 *   const lead = await call<Lead>(socket, 'lead:update', { fullname });  // throws CommandError
 *
 * `CommandError.code` is the contract's error code, or `TIMEOUT` when no ack came in time
 * (the command may or may not have run: only retry commands that are safe to repeat).
 */
import type { Socket } from 'socket.io-client';
import type { Ack } from '../../src/realtime/events.js';
import type { ErrorCode } from '../../src/errors.js';

export type { Ack, SessionPayload, TypingPayload, ReadPayload } from '../../src/realtime/events.js';
export type { Message, Sender } from '../../src/conversations/message.store.js';
export type { Conversation } from '../../src/conversations/conversation.store.js';
export type { Lead } from '../../src/contacts/lead.store.js';
export type { ErrorBody, ErrorCode } from '../../src/errors.js';
export type { PrechatField, WidgetConfig } from '../../src/projects/prechat-fields.js';

/** How long a command waits for its ack by default. */
export const ACK_TIMEOUT_MS = 10_000;

export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode | 'TIMEOUT',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Worth trying again later, unchanged: the server was busy or away, or the answer was lost. */
export function isRetryable(err: unknown): boolean {
  const code = err instanceof CommandError ? err.code : 'TIMEOUT';
  return code === 'TIMEOUT' || code === 'UNAVAILABLE' || code === 'RATE_LIMITED' || code === 'INTERNAL';
}

/** Emits `event` and resolves with the ack's data; rejects with a CommandError. */
export async function call<T>(socket: Socket, event: string, payload: unknown = {}, timeoutMs = ACK_TIMEOUT_MS): Promise<T> {
  let ack: Ack<T>;
  try {
    ack = (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
  } catch {
    throw new CommandError('TIMEOUT', `${event}: no answer within ${timeoutMs} ms`);
  }
  if (!ack.ok) throw new CommandError(ack.error.code, ack.error.message, ack.error.details);
  return ack.data;
}
