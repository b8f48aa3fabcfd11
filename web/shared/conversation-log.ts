/**
 * One conversation's messages as a page shows them: ordered by seq, each exactly once, with
 * the messages still being sent. The widget and the console both use it.
 *
 *   const log = new ConversationLog(conversationId, (query) => call(socket, 'message:list', { conversationId, ...query }));
 *   await log.loadLatest();             // the newest page
 *   socket.on('message:created', (m) => m.conversationId === id && log.apply(m));
 *   socket.on('connect', () => void log.catchUp());   // after every (re)connect
 *   await log.loadOlder();              // scroll back (beforeSeq)
 *   log.messages / log.pending / log.subscribe(render)
 *
 * Rules (../shared/spec/ui.md): `apply` ignores a message it already has (same id or seq), so a
 * live event, an ack and a catch-up that carry the same message show it once. A message whose
 * seq is past the next expected one means something was missed: the log asks `afterSeq` for
 * the rest. A visitor never sees agents' private notes, so its seqs may have holes: the
 * server's answer to `afterSeq` is what counts, a hole it confirms is not asked for again.
 */
import { Observable } from './observable.js';
import type { Message } from './protocol.js';

/** The server's largest page (`limit` ≤ 200). */
const PAGE = 200;
/** How many messages the first load shows; older ones come with loadOlder(). */
const FIRST_PAGE = 50;

export type MessageQuery = { afterSeq?: number; beforeSeq?: number; limit: number };

/** A message typed here that the server has not acknowledged yet. */
export interface PendingMessage {
  clientMessageId: string;
  text: string;
  /** `sending` is retried until acked; `failed` was refused for good (`error` says why). */
  state: 'sending' | 'failed';
  error?: string;
}

export class ConversationLog extends Observable {
  /** By ascending seq. */
  messages: readonly Message[] = [];
  pending: readonly PendingMessage[] = [];
  /** Whether messages before the first loaded one may exist (loadOlder fetches them). */
  hasOlder = false;
  /** Every message up to this seq that this side may see is here. */
  private complete = 0;
  private readonly bySeq = new Map<number, Message>();
  private readonly ids = new Set<string>();
  private catching: Promise<boolean> | null = null;
  private catchAgain = false;

  constructor(
    readonly conversationId: string,
    private readonly list: (query: MessageQuery) => Promise<Message[]>,
  ) {
    super();
  }

  /** The highest seq shown (0 when none). */
  get lastSeq(): number {
    return this.messages.at(-1)?.seq ?? 0;
  }

  /** Adds a message from an event, an ack or a page; false if it was already here. */
  apply(message: Message): boolean {
    if (message.conversationId !== this.conversationId) return false;
    const added = this.add(message);
    if (!added) return false;
    if (message.seq === this.complete + 1) this.complete = message.seq;
    else if (message.seq > this.complete + 1) void this.catchUp();
    this.refresh();
    return true;
  }

  /** The newest page, as the conversation opens. */
  async loadLatest(): Promise<void> {
    const page = await this.list({ limit: FIRST_PAGE });
    page.forEach((m) => this.add(m));
    this.complete = Math.max(this.complete, page.at(-1)?.seq ?? 0);
    this.hasOlder = page.length === FIRST_PAGE && (page[0]?.seq ?? 1) > 1;
    this.refresh();
    // Anything that arrived while that page was on its way.
    await this.catchUp();
  }

  /** The page before the first loaded message. */
  async loadOlder(): Promise<void> {
    const first = this.messages[0];
    if (!first) return;
    const page = await this.list({ beforeSeq: first.seq, limit: FIRST_PAGE });
    page.forEach((m) => this.add(m));
    this.hasOlder = page.length === FIRST_PAGE && (page[0]?.seq ?? 1) > 1;
    this.refresh();
  }

  /**
   * Fetches everything after the last complete seq (`afterSeq`), page by page. Call it after
   * every (re)connect. Calls while one runs share it (and make it look once more). Resolves
   * false if the server could not be asked (disconnected): the next connect tries again.
   */
  catchUp(): Promise<boolean> {
    if (this.catching) {
      this.catchAgain = true;
      return this.catching;
    }
    this.catching = (async () => {
      try {
        do {
          this.catchAgain = false;
          await this.fetchAfterComplete();
        } while (this.catchAgain);
        return true;
      } catch {
        return false;
      } finally {
        this.catching = null;
      }
    })();
    return this.catching;
  }

  /** Shows a message as being sent (Outbox calls this). */
  addPending(pending: PendingMessage): void {
    this.pending = [...this.pending, pending];
    this.changed();
  }

  /** Marks a pending message refused for good. */
  failPending(clientMessageId: string, error: string): void {
    this.pending = this.pending.map((p) => (p.clientMessageId === clientMessageId ? { ...p, state: 'failed' as const, error } : p));
    this.changed();
  }

  /** Whether the server has stored this clientMessageId (its message is in the log). */
  isStored(clientMessageId: string): boolean {
    return this.messages.some((m) => m.clientMessageId === clientMessageId);
  }

  private async fetchAfterComplete(): Promise<void> {
    for (;;) {
      const page = await this.list({ afterSeq: this.complete, limit: PAGE });
      page.forEach((m) => this.add(m));
      // The server answered for everything up to the last seq it gave: holes below are private notes.
      this.complete = Math.max(this.complete, page.at(-1)?.seq ?? this.complete);
      if (page.length > 0) this.refresh();
      if (page.length < PAGE) return;
    }
  }

  private add(message: Message): boolean {
    if (this.ids.has(message.id) || this.bySeq.has(message.seq)) return false;
    this.ids.add(message.id);
    this.bySeq.set(message.seq, message);
    return true;
  }

  /** Rebuilds the ordered list; a pending message the server has stored stops being pending. */
  private refresh(): void {
    this.messages = [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    const stored = new Set(this.messages.map((m) => m.clientMessageId));
    if (this.pending.some((p) => stored.has(p.clientMessageId))) this.pending = this.pending.filter((p) => !stored.has(p.clientMessageId));
    this.changed();
  }
}
