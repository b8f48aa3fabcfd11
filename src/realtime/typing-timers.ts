/**
 * Typing that ends by itself: every `typing: true` of a socket is followed, for whoever heard it,
 * by a `typing: false` — sent by the client, or by this server when the client stops refreshing
 * it, sends its message, or disconnects. The timers live with the socket, in the process that
 * holds it (a socket never moves between processes, and a process that dies takes its sockets'
 * typing with it: the clients of the other side see the typing socket's messages stop anyway).
 */
import type { Sender } from '../conversations/message.store.js';
import type { ConversationAudience, Notifier } from './notifier.js';

interface Typing {
  timer: NodeJS.Timeout;
  /** Who heard the `typing: true`: the `typing: false` goes to the same people. */
  audience: ConversationAudience;
  /** A private note is being typed: only agents heard it. */
  private: boolean;
}

/** One per socket: the conversations it is typing in right now. */
export class TypingTimers {
  private readonly active = new Map<string, Typing>();

  constructor(
    private readonly notifier: Notifier,
    private readonly socketId: string,
    private readonly sender: Sender,
    /** A `typing: true` not refreshed within this ends. @default 5000 (TYPING_TIMEOUT_MS) */
    private readonly timeoutMs: number,
  ) {}

  /** The socket said it is (still) typing, or stopped: tell the other side and (re)arm or clear the timer. */
  typing(conversationId: string, audience: ConversationAudience, typing: boolean, isPrivate: boolean): void {
    const was = this.active.get(conversationId);
    if (was) clearTimeout(was.timer);
    if (!typing) {
      this.active.delete(conversationId);
      // The end goes to whoever heard the start (a visitor never hears a private note's end).
      this.notifier.typing(was?.audience ?? audience, conversationId, this.sender, false, this.socketId, was?.private ?? isPrivate);
      return;
    }
    // From a public reply to a private note: the lead heard the start, so it hears the end.
    if (was && !was.private && isPrivate) this.notifier.typing({ ...was.audience, agentIds: [] }, conversationId, this.sender, false, this.socketId);
    this.notifier.typing(audience, conversationId, this.sender, true, this.socketId, isPrivate);
    const timer = setTimeout(() => this.end(conversationId), this.timeoutMs);
    timer.unref();
    this.active.set(conversationId, { timer, audience, private: isPrivate });
  }

  /** A message sent from this socket ends its typing in that conversation. */
  messageSent(conversationId: string): void {
    this.end(conversationId);
  }

  /** The socket is gone: whatever it was typing ends now. */
  disconnected(): void {
    for (const conversationId of [...this.active.keys()]) this.end(conversationId);
  }

  private end(conversationId: string): void {
    const typing = this.active.get(conversationId);
    if (!typing) return;
    clearTimeout(typing.timer);
    this.active.delete(conversationId);
    this.notifier.typing(typing.audience, conversationId, this.sender, false, this.socketId, typing.private);
  }
}
