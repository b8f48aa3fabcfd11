/**
 * The console's one store: state changes only through /agent events and acks (wired in
 * chat-events.ts) and the commands below. Each open conversation's messages are a
 * ConversationLog and outgoing ones go through an Outbox (web/shared, as in the widget):
 * ordered by seq, gaps fetched with afterSeq, pending sends retried with their clientMessageId.
 */
import { io, type Socket } from 'socket.io-client';
import { ConversationLog } from '../shared/conversation-log.js';
import { newClientMessageId, Outbox } from '../shared/outbox.js';
import { call } from '../shared/protocol.js';
import type { Api } from './api.js';
import { initialChatState, putConversation, replaceConversations, sawSeq, type ChatState } from './chat-state.js';
import { wireChatEvents } from './chat-events.js';
import { loadPresence } from './session.js';
import { Store } from './store.js';
import type { AckData, Agent, AgentCommand, Conversation, Lead, Member } from './types.js';

const MAX_PAGE = 200;
/** A page of history may take a while on a busy server; waiting is better than asking again. */
const LIST_TIMEOUT_MS = 20_000;

export interface ChatOptions {
  token: string;
  projectId: string;
  me: Agent;
  api: Api;
  /** The token was refused: back to sign in. */
  onAuthLost(): void;
  /** No longer a member of the project (or it is gone): back to the project picker. */
  onProjectLost(): void;
}

export class ChatStore {
  readonly state: Store<ChatState>;
  readonly socket: Socket;
  /** Messages of the conversations opened so far; a log is `loaded` once its latest page is in. */
  readonly logs = new Map<string, { log: ConversationLog; loaded: Promise<void> | null }>();
  readonly outbox: Outbox;
  readonly privateOutbox: Outbox;
  /** clientMessageIds sent as private notes, so that pending ones look like notes too. */
  readonly privateIds = new Set<string>();
  private leadsLoading = new Set<string>();

  constructor(readonly options: ChatOptions) {
    this.state = new Store<ChatState>({ ...initialChatState(), presence: loadPresence(options.projectId) });
    this.socket = io('/agent', { auth: { token: options.token, projectId: options.projectId }, transports: ['websocket'], autoConnect: false });
    this.outbox = new Outbox(() => this.socket);
    this.privateOutbox = new Outbox(() => this.socket, () => ({ private: true }));
    wireChatEvents(this);
    this.socket.connect();
  }

  stop(): void {
    this.socket.disconnect();
  }

  get me(): Agent {
    return this.options.me;
  }

  update(change: (state: ChatState) => ChatState): void {
    this.state.update(change);
  }

  /** Sends a command; resolves with its ack's data or rejects with web/shared's CommandError. */
  command<K extends AgentCommand>(event: K, payload: object, timeoutMs?: number): Promise<AckData<K>> {
    return call<AckData<K>>(this.socket, event, payload, timeoutMs);
  }

  /** A conversation's log, created on first use (empty until `openLog`). */
  log(conversationId: string): ConversationLog {
    let entry = this.logs.get(conversationId);
    if (!entry) {
      const log = new ConversationLog(conversationId, (query) => this.command('message:list', { conversationId, ...query }, LIST_TIMEOUT_MS));
      // Every message the log shows moves the conversation's lastSeq (and so its unread count).
      log.subscribe(() => this.update((s) => sawSeq(s, conversationId, log.lastSeq)));
      entry = { log, loaded: null };
      this.logs.set(conversationId, entry);
    }
    return entry.log;
  }

  /** Loads the latest page once (then catches up); later calls just catch up. */
  openLog(conversationId: string): Promise<void> {
    const log = this.log(conversationId);
    const entry = this.logs.get(conversationId)!;
    if (entry.loaded) return entry.loaded.then(() => void log.catchUp());
    entry.loaded = log.loadLatest().catch((err) => {
      entry.loaded = null; // try again on the next open or reconnect
      throw err;
    });
    return entry.loaded;
  }

  /** A log whose latest page is in: events and acks may be applied to it. */
  loadedLog(conversationId: string): ConversationLog | null {
    const entry = this.logs.get(conversationId);
    return entry?.loaded ? entry.log : null;
  }

  send(conversationId: string, text: string, isPrivate: boolean): void {
    const log = this.log(conversationId);
    if (!isPrivate) return this.outbox.send(log, text);
    const clientMessageId = newClientMessageId();
    this.privateIds.add(clientMessageId);
    this.privateOutbox.send(log, text, clientMessageId);
  }

  /** Everything a (re)connect needs: the lists, the members, the missed messages, the unsent ones. */
  async resync(): Promise<void> {
    if (this.state.get().presence === 'away') void this.command('presence:set', { status: 'away' }).catch(() => {});
    void this.refreshMembers().catch(() => {});
    for (const [id, entry] of this.logs) if (entry.loaded) void this.openLog(id).catch(() => {});
    this.outbox.flush();
    this.privateOutbox.flush();
    const [waiting, open, closed] = await Promise.all([
      this.command('conversation:list', { status: 'unassigned', limit: MAX_PAGE }),
      this.command('conversation:list', { status: 'assigned', limit: MAX_PAGE }),
      this.command('conversation:list', { status: 'closed', limit: 100 }),
    ]);
    this.update((s) => replaceConversations(s, [...waiting, ...open, ...closed]));
    for (const c of Object.values(this.state.get().conversations)) this.ensureLead(c.leadId);
  }

  async refreshMembers(): Promise<void> {
    const { data } = await this.options.api.get<{ data: Member[] }>(`/v1/projects/${this.options.projectId}/agents`);
    this.update((s) => ({ ...s, members: data }));
  }

  /** Loads a lead once, for its name in the lists (`force` after it changed). */
  ensureLead(leadId: string, force = false): void {
    if ((!force && this.state.get().leads[leadId]) || this.leadsLoading.has(leadId)) return;
    this.leadsLoading.add(leadId);
    this.options.api
      .get<Lead>(`/v1/projects/${this.options.projectId}/leads/${leadId}`)
      .then((lead) => this.update((s) => ({ ...s, leads: { ...s.leads, [leadId]: lead } })))
      .catch(() => {})
      .finally(() => this.leadsLoading.delete(leadId));
  }

  putConversation(conversation: Conversation): void {
    this.update((s) => putConversation(s, conversation));
    this.ensureLead(conversation.leadId);
  }

  /** A conversation the lists do not hold (a closed one past the first page, say): fetched over REST. */
  async fetchConversation(conversationId: string): Promise<void> {
    const conversation = await this.options.api.get<Conversation>(`/v1/projects/${this.options.projectId}/conversations/${conversationId}`);
    this.putConversation(conversation);
  }
}
