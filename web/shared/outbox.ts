/**
 * Sends messages until the server has them: each keeps its clientMessageId across retries, so
 * a retry of a message that was stored but whose ack was lost returns the stored one (the
 * server dedupes) and nothing shows twice. The widget and the console both use it.
 *
 *   const outbox = new Outbox(() => socket);
 *   outbox.send(log, text);                        // shown at once in log.pending
 *   socket.on('connect', () => outbox.flush());    // after every (re)connect
 *   socket.on('disconnect', () => outbox.disconnected());
 *
 * Only emits while connected (socket.io would otherwise buffer and replay a second copy of each
 * retry). Messages go out in the order they were typed; the server stores one socket's sends
 * in that order even without waiting for each ack.
 */
import { call, isRetryable, type Message } from './protocol.js';
import type { ConversationLog } from './conversation-log.js';
import type { Socket } from 'socket.io-client';

/** How long one attempt waits for its ack before it counts as lost. */
const ATTEMPT_TIMEOUT_MS = 8_000;
/** Pause before retrying a refused-for-now attempt (UNAVAILABLE, RATE_LIMITED), growing to the max. */
const RETRY_MS = 1_000;
const RETRY_MAX_MS = 15_000;

interface Outgoing {
  log: ConversationLog;
  clientMessageId: string;
  text: string;
  /** Bumped per attempt: an answer to an older attempt that timed out is not trusted to retry. */
  attempt: number;
  inFlight: boolean;
}

/** A clientMessageId: a UUID where the browser can make one (secure contexts), else random enough. */
export function newClientMessageId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

export class Outbox {
  private queue: Outgoing[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelay = RETRY_MS;

  constructor(
    private readonly socket: () => Socket,
    /** Extra fields for message:send (the console's `private`). */
    private readonly extra: () => Record<string, unknown> = () => ({}),
  ) {}

  /** Queues `text` for `log`'s conversation, shows it as pending, sends it when connected. */
  send(log: ConversationLog, text: string, clientMessageId = newClientMessageId()): void {
    log.addPending({ clientMessageId, text, state: 'sending' });
    this.queue.push({ log, clientMessageId, text, attempt: 0, inFlight: false });
    this.flush();
  }

  /** Sends every queued message not in flight, oldest first. Call it after every (re)connect. */
  flush(): void {
    const socket = this.socket();
    if (!socket.connected) return;
    for (const item of this.queue) {
      if (item.inFlight) continue;
      if (item.log.isStored(item.clientMessageId)) {
        // A catch-up showed it stored: the ack was lost, nothing left to send.
        this.done(item);
        continue;
      }
      void this.attempt(socket, item);
    }
  }

  /** The connection dropped: whatever was in flight will be sent again on the next connect. */
  disconnected(): void {
    for (const item of this.queue) {
      item.inFlight = false;
      item.attempt++;
    }
  }

  /** Whether messages are still waiting for the server. */
  get size(): number {
    return this.queue.length;
  }

  private async attempt(socket: Socket, item: Outgoing): Promise<void> {
    const attempt = ++item.attempt;
    item.inFlight = true;
    const payload = { ...this.extra(), conversationId: item.log.conversationId, clientMessageId: item.clientMessageId, text: item.text };
    try {
      const message = await call<Message>(socket, 'message:send', payload, ATTEMPT_TIMEOUT_MS);
      // Stored (now or by an earlier attempt): whichever attempt answers first settles it.
      this.retryDelay = RETRY_MS;
      item.log.apply(message);
      this.done(item);
    } catch (err) {
      if (attempt !== item.attempt || !this.queue.includes(item)) return;
      item.inFlight = false;
      if (isRetryable(err)) this.retryLater();
      else {
        item.log.failPending(item.clientMessageId, err instanceof Error ? err.message : 'Not sent.');
        this.done(item);
      }
    }
  }

  private done(item: Outgoing): void {
    this.queue = this.queue.filter((q) => q !== item);
  }

  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }
}
