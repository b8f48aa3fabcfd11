/**
 * The conversation on screen: its messages (a ConversationLog), the agent typing, how far the
 * agents have read, and the visitor's own typing and read receipts going out.
 */
import type { Socket } from 'socket.io-client';
import { ConversationLog } from '../shared/conversation-log.js';
import { Observable } from '../shared/observable.js';
import { call, type Conversation, type Message } from '../shared/protocol.js';
import { TypingSignal } from './typing-signal.js';

/** An agent's typing that no `typing: false` ended stops showing after this long. */
const AGENT_TYPING_MAX_MS = 15_000;

export class OpenChat extends Observable {
  readonly log: ConversationLog;
  agentTyping = false;
  /** How far the agents have read: the visitor's messages up to it show as seen. */
  agentReadSeq: number;
  private readSent: number;
  private readonly typing: TypingSignal;
  private agentTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stopFollowingLog: () => void;

  constructor(
    private readonly socket: Socket,
    public conversation: Conversation,
    /** Whether the visitor can see the chat now (panel open, tab visible, connected). */
    private readonly onScreen: () => boolean,
  ) {
    super();
    this.agentReadSeq = conversation.agentLastReadSeq;
    this.readSent = conversation.visitorLastReadSeq;
    this.log = new ConversationLog(conversation.id, (query) => call<Message[]>(socket, 'message:list', { conversationId: conversation.id, ...query }));
    this.stopFollowingLog = this.log.subscribe(() => {
      this.markRead();
      this.changed();
    });
    this.typing = new TypingSignal((typing) => {
      if (socket.connected) call(socket, 'typing', { conversationId: conversation.id, typing }).catch(() => {});
    });
  }

  get id(): string {
    return this.conversation.id;
  }

  /** A newer state of the conversation (status, rating, read positions). */
  update(conversation: Conversation): void {
    this.conversation = conversation;
    this.agentReadSeq = Math.max(this.agentReadSeq, conversation.agentLastReadSeq);
    this.changed();
  }

  messageCreated(message: Message): void {
    if (message.sender.type === 'agent') this.showAgentTyping(false);
    this.log.apply(message);
  }

  showAgentTyping(typing: boolean): void {
    clearTimeout(this.agentTypingTimer);
    if (typing) this.agentTypingTimer = setTimeout(() => this.showAgentTyping(false), AGENT_TYPING_MAX_MS);
    if (this.agentTyping === typing) return;
    this.agentTyping = typing;
    this.changed();
  }

  agentRead(seq: number): void {
    if (seq <= this.agentReadSeq) return;
    this.agentReadSeq = seq;
    this.changed();
  }

  /** The visitor typed in the composer. */
  typed(): void {
    this.typing.typed();
  }

  /** The visitor's message is about to go (or the connection dropped: then say nothing). */
  stopTyping(announce: boolean): void {
    this.typing.stop(announce);
  }

  /** Tells the agents how far the visitor has read, when the chat is actually on screen. */
  markRead(): void {
    const seq = this.log.lastSeq;
    if (seq <= this.readSent || !this.onScreen()) return;
    const before = this.readSent;
    this.readSent = seq;
    call(this.socket, 'conversation:read', { conversationId: this.id, seq }).catch(() => {
      this.readSent = before;
    });
  }

  /** Off screen for good (back to the list, another conversation). */
  close(): void {
    this.typing.stop(true);
    clearTimeout(this.agentTypingTimer);
    this.stopFollowingLog();
  }
}
