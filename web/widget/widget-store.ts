/**
 * The widget's one store: what the visitor sees is a function of this state, and the state
 * changes only through the socket's events and the acks of the visitor's own commands.
 */
import type { Socket } from 'socket.io-client';
import { Observable } from '../shared/observable.js';
import { Outbox } from '../shared/outbox.js';
import { call, type Conversation, type Message, type PrechatField, type ReadPayload, type SessionPayload, type TypingPayload } from '../shared/protocol.js';
import { connectVisitor } from './connection.js';
import { errorText } from './error-text.js';
import { OpenChat } from './open-chat.js';
import type { TokenStorage } from './token-storage.js';
import { loadWidgetConfig } from './widget-config.js';

export type View = 'loading' | 'form' | 'list' | 'chat' | 'unavailable';

export interface PrechatAnswers {
  name: string;
  email: string;
  /** By field key; empty answers are left out. */
  fields: Record<string, string>;
}

export class WidgetStore extends Observable {
  view: View = 'loading';
  open = false;
  connected = false;
  everConnected = false;
  session: SessionPayload | null = null;
  /** Null until the project's settings have been read. */
  prechatFields: PrechatField[] | null = null;
  /** This browser's lead's conversations, newest first. */
  conversations: Conversation[] = [];
  chat: OpenChat | null = null;
  /** Place in the queue by conversation id, while it waits. */
  readonly queuePositions = new Map<string, number>();
  busy = false;
  error: string | null = null;

  readonly socket: Socket;
  readonly outbox: Outbox;
  private stopFollowingChat: (() => void) | null = null;

  constructor(
    readonly server: string,
    readonly projectId: string,
    tokens: TokenStorage,
  ) {
    super();
    this.socket = connectVisitor(server, projectId, tokens, {
      session: (session) => void this.connectedAs(session),
      disconnected: () => this.disconnected(),
      refused: () => this.set({ view: 'unavailable' }),
    });
    this.outbox = new Outbox(() => this.socket);
    this.listen();
    loadWidgetConfig(server, projectId, {
      loaded: (config) => this.set({ prechatFields: config.prechatFields }),
      unknownProject: () => this.set({ view: 'unavailable' }),
    });
    document.addEventListener('visibilitychange', () => this.chat?.markRead());
  }

  setOpen(open: boolean): void {
    this.set({ open });
    this.chat?.markRead();
  }

  /** The pre-chat form: the lead's fields, then a new conversation. */
  async submitForm(answers: PrechatAnswers): Promise<void> {
    await this.busyWith(async () => {
      const attributes = Object.fromEntries(Object.entries(answers.fields).filter(([, value]) => value.trim() !== ''));
      await call(this.socket, 'lead:update', {
        fullname: answers.name,
        email: answers.email,
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      });
      await this.startConversation();
    });
  }

  async newConversation(): Promise<void> {
    await this.busyWith(() => this.startConversation());
  }

  async openConversation(conversation: Conversation): Promise<void> {
    this.leaveChat();
    const chat = new OpenChat(this.socket, conversation, () => this.open && this.connected && document.visibilityState !== 'hidden');
    this.chat = chat;
    this.stopFollowingChat = chat.subscribe(() => this.changed());
    this.set({ view: 'chat', error: null });
    // Disconnected now: the next connect's catch-up loads it.
    await chat.log.loadLatest().catch(() => {});
  }

  backToList(): void {
    this.leaveChat();
    this.set({ view: 'list', error: null });
    void this.refreshConversations();
  }

  send(text: string): void {
    if (!this.chat || text.trim() === '') return;
    this.chat.stopTyping(true);
    this.outbox.send(this.chat.log, text.trim());
  }

  async rate(rating: number): Promise<void> {
    const chat = this.chat;
    if (!chat) return;
    await this.busyWith(async () => {
      this.upsert(await call<Conversation>(this.socket, 'conversation:rate', { conversationId: chat.id, rating }));
    });
  }

  private async startConversation(): Promise<void> {
    const conversation = await call<Conversation>(this.socket, 'conversation:start', {});
    if (this.session && !this.session.leadId) this.session = { ...this.session, leadId: conversation.leadId };
    this.upsert(conversation);
    await this.openConversation(conversation);
  }

  private leaveChat(): void {
    this.chat?.close();
    this.stopFollowingChat?.();
    this.chat = null;
    this.stopFollowingChat = null;
  }

  /** Every (re)connect: the session, then whatever was missed and whatever waits to be sent. */
  private async connectedAs(session: SessionPayload): Promise<void> {
    this.session = session;
    this.set({ connected: true, everConnected: true });
    this.outbox.flush();
    if (this.chat) void this.chat.log.catchUp();
    if (session.leadId) await this.refreshConversations();
    if (this.view === 'loading') this.set({ view: session.leadId ? 'list' : 'form' });
    this.chat?.markRead();
  }

  private disconnected(): void {
    this.outbox.disconnected();
    this.chat?.stopTyping(false);
    this.chat?.showAgentTyping(false);
    this.set({ connected: false });
  }

  private listen(): void {
    const s = this.socket;
    const onScreen = (conversationId: string) => (this.chat?.id === conversationId ? this.chat : null);
    s.on('message:created', (message: Message) => {
      onScreen(message.conversationId)?.messageCreated(message);
      const listed = this.conversations.find((c) => c.id === message.conversationId);
      if (listed && message.seq > listed.lastSeq) this.upsert({ ...listed, lastSeq: message.seq });
    });
    s.on('conversation:updated', (conversation: Conversation) => this.upsert(conversation));
    s.on('queue:position', ({ conversationId, position }: { conversationId: string; position: number }) => {
      this.queuePositions.set(conversationId, position);
      this.changed();
    });
    s.on('typing', ({ conversationId, sender, typing }: TypingPayload) => {
      if (sender.type === 'agent') onScreen(conversationId)?.showAgentTyping(typing);
    });
    s.on('conversation:read', ({ conversationId, reader, seq }: ReadPayload) => {
      if (reader.type === 'agent') onScreen(conversationId)?.agentRead(seq);
    });
    s.on('lead:merged', ({ leadId, mergedLeadId }: { leadId: string; mergedLeadId: string }) => {
      if (this.session?.leadId === mergedLeadId) this.session = { ...this.session, leadId };
      void this.refreshConversations();
    });
  }

  private async refreshConversations(): Promise<void> {
    try {
      const conversations = await call<Conversation[]>(this.socket, 'conversation:list', {});
      this.conversations = conversations;
      const onScreen = this.chat && conversations.find((c) => c.id === this.chat!.id);
      if (onScreen) this.upsert(onScreen);
      this.changed();
    } catch {
      // Disconnected: the next connect asks again.
    }
  }

  /** A newer state of a conversation: in the list, on screen, and its place in the queue. */
  private upsert(conversation: Conversation): void {
    const others = this.conversations.filter((c) => c.id !== conversation.id);
    this.conversations = [conversation, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (conversation.status !== 'unassigned') this.queuePositions.delete(conversation.id);
    if (this.chat?.id === conversation.id) this.chat.update(conversation);
    this.changed();
  }

  private async busyWith(work: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.set({ busy: true, error: null });
    try {
      await work();
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.set({ busy: false });
    }
  }

  private set(changes: Partial<Pick<WidgetStore, 'view' | 'open' | 'connected' | 'everConnected' | 'prechatFields' | 'busy' | 'error'>>): void {
    Object.assign(this, changes);
    this.changed();
  }
}
