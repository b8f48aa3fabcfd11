/**
 * Fan-out rules in one place: who hears about what. Emits go through the Socket.IO adapter,
 * so with Redis they reach sockets on every process.
 */
import type { Conversation } from '../conversations/conversation.store.js';
import type { Message, Sender } from '../conversations/message.store.js';
import type { AgentStatus } from '../presence/presence-store.js';
import type { AgentNamespace, VisitorNamespace } from './namespaces.js';
import { rooms } from './rooms.js';

/** The people of one conversation: its lead's sockets and its agents (assignee and those who joined). */
export interface ConversationAudience {
  projectId: string;
  leadId: string;
  agentIds: string[];
}

export class Notifier {
  constructor(
    private readonly visitors: VisitorNamespace,
    private readonly agents: AgentNamespace,
  ) {}

  /** To every socket of the lead and of the conversation's agents, except the sender's socket. A private note: agents only. */
  messageCreated(message: Message, audience: ConversationAudience, exceptSocketId?: string): void {
    if (!message.private) this.toLead(audience.leadId, exceptSocketId)?.emit('message:created', message);
    this.toAgents(audience, exceptSocketId)?.emit('message:created', message);
  }

  conversationCreated(conversation: Conversation): void {
    this.agents.to(rooms.projectAgents(conversation.projectId)).emit('conversation:created', conversation);
  }

  /** Status, assignee or rating changed: every agent of the project and every socket of the lead. */
  conversationUpdated(conversation: Conversation): void {
    this.agents.to(rooms.projectAgents(conversation.projectId)).emit('conversation:updated', conversation);
    this.visitors.to(rooms.lead(conversation.leadId)).emit('conversation:updated', conversation);
  }

  /** A visitor's typing goes to the conversation's agents; an agent's to the lead and the other agents (a private note's: agents only). */
  typing(audience: ConversationAudience, conversationId: string, sender: Sender, typing: boolean, exceptSocketId: string, privateNote = false): void {
    const payload = { conversationId, sender, typing };
    if (sender.type !== 'visitor' && !privateNote) this.toLead(audience.leadId, exceptSocketId)?.emit('typing', payload);
    this.toAgents(audience, exceptSocketId)?.emit('typing', payload);
  }

  /** A read receipt goes to the other side of the conversation. */
  conversationRead(audience: ConversationAudience, conversationId: string, reader: Sender, seq: number): void {
    const payload = { conversationId, reader, seq };
    if (reader.type === 'visitor') this.toAgents(audience)?.emit('conversation:read', payload);
    else this.toLead(audience.leadId)?.emit('conversation:read', payload);
  }

  /** A waiting conversation's place in its project's queue (1 = next), to every socket of its lead. */
  queuePosition(leadId: string, conversationId: string, position: number): void {
    this.visitors.to(rooms.lead(leadId)).emit('queue:position', { conversationId, position });
  }

  presenceChanged(projectId: string, agentId: string, status: AgentStatus): void {
    this.agents.to(rooms.projectAgents(projectId)).emit('presence:changed', { agentId, status });
  }

  /** A lead's first visitor socket arrived (`online`) or its last one left: every agent of the project. */
  visitorPresence(projectId: string, leadId: string, visitorId: string, online: boolean): void {
    this.agents.to(rooms.projectAgents(projectId)).emit('visitor:presence', { leadId, visitorId, online });
  }

  /** Once a visitor has a lead, all its sockets (every tab, every process) hear the lead's events. */
  visitorJoinedLead(visitorId: string, leadId: string): void {
    this.visitors.in(rooms.visitor(visitorId)).socketsJoin(rooms.lead(leadId));
  }

  /** The lead was erased: every socket of it (and of its visitor ids, on every process) is closed. */
  leadErased(leadId: string, visitorIds: string[]): void {
    this.visitors.in([rooms.lead(leadId), ...visitorIds.map((id) => rooms.visitor(id))]).disconnectSockets(true);
  }

  /** The agent is no longer a member: its /agent sockets of that project close, on every process. */
  memberRemoved(projectId: string, agentId: string): void {
    this.agents.in(rooms.agent(projectId, agentId)).disconnectSockets(true);
  }

  /**
   * `source` was merged into `target` (and deleted): both leads' sockets hear it, then the
   * source's sockets, on every process, move into the target's room so they hear its events.
   * The project's agents hear it too, an addition to the contract, so open consoles refresh.
   */
  leadMerged(projectId: string, targetId: string, sourceId: string): void {
    const payload = { leadId: targetId, mergedLeadId: sourceId };
    this.visitors.to([rooms.lead(targetId), rooms.lead(sourceId)]).emit('lead:merged', payload);
    this.agents.to(rooms.projectAgents(projectId)).emit('lead:merged', payload);
    this.visitors.in(rooms.lead(sourceId)).socketsJoin(rooms.lead(targetId));
    this.visitors.in(rooms.lead(sourceId)).socketsLeave(rooms.lead(sourceId));
  }

  private toLead(leadId: string, exceptSocketId?: string) {
    const target = this.visitors.to(rooms.lead(leadId));
    return exceptSocketId ? target.except(exceptSocketId) : target;
  }

  private toAgents(audience: ConversationAudience, exceptSocketId?: string) {
    // An empty room list would broadcast to the whole namespace: never do that.
    if (audience.agentIds.length === 0) return null;
    const target = this.agents.to([...new Set(audience.agentIds)].map((id) => rooms.agent(audience.projectId, id)));
    return exceptSocketId ? target.except(exceptSocketId) : target;
  }
}
