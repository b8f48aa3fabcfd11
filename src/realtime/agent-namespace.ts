/** The /agent namespace: the agent console's commands, presence across tabs, each command acked once. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { AgentActor } from '../conversations/actor.js';
import { listConversations } from '../conversations/conversation.store.js';
import {
  closeConversation,
  joinConversation,
  leaveConversation,
  reopenConversation,
  transferConversation,
} from '../conversations/conversation.service.js';
import type { Router } from '../routing/router.js';
import { uuid } from '../validation.js';
import { commandsOf, type Register } from './ack.js';
import { socketLogger } from './observe-sockets.js';
import { authenticateAgent } from './agent-handshake.js';
import { conversationRef } from './command-schemas.js';
import { registerConversationCommands } from './conversation-commands.js';
import type { AgentCommands } from './events.js';
import type { AgentNamespace, AgentSocket } from './namespaces.js';
import type { Notifier } from './notifier.js';
import { rooms } from './rooms.js';

/** `conversation:list` answers at most this many, newest first (REST pages through the rest). */
export const AGENT_LIST_DEFAULT = 100;

const listInput = z.object({
  status: z.enum(['unassigned', 'assigned', 'closed']).optional(),
  /** `mine`: assigned to the caller; `unassigned`: no assignee; an agent id: assigned to that agent. */
  assignee: z.union([z.enum(['mine', 'unassigned']), uuid]).optional(),
  limit: z.number().int().min(1).max(200).optional(),
});

export function registerAgentNamespace(nsp: AgentNamespace, deps: Deps, notifier: Notifier, router: Router): void {
  nsp.use(authenticateAgent(deps));
  nsp.on('connection', (socket) => {
    const { projectId, agentId, tokenExpiresAt } = socket.data;
    void socket.join([rooms.projectAgents(projectId), rooms.agent(projectId, agentId)]);
    trackPresence(socket, deps, notifier, router);
    disconnectAt(socket, tokenExpiresAt * 1000);
    commandsOf<AgentCommands>(socket, deps, (on) => registerCommands(on, socket, deps, notifier, router));
  });
}

/** Node's timers fire at once past ~24.8 days: re-arm in steps until the real time. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Tokens expire; so do the sockets they opened. */
function disconnectAt(socket: AgentSocket, atMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = atMs - Date.now();
    if (left <= 0) {
      socket.disconnect(true);
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  socket.on('disconnect', () => clearTimeout(timer));
}

function trackPresence(socket: AgentSocket, deps: Deps, notifier: Notifier, router: Router): void {
  const { projectId, agentId } = socket.data;
  const report = (change: { status: 'online' | 'away' | 'offline'; changed: boolean }) => {
    if (!change.changed) return;
    notifier.presenceChanged(projectId, agentId, change.status);
    router.presenceChanged(projectId, agentId, change.status);
  };
  // The disconnect waits for the connect, so a quick reconnect never leaves a stale socket behind.
  const connected = deps.presence.connect(projectId, agentId, socket.id).then(report, (err) => {
    socketLogger(deps.logger, socket).warn({ err, agentId }, 'presence connect failed');
  });
  socket.on('disconnect', () => {
    void connected
      .then(() => deps.presence.disconnect(projectId, agentId, socket.id))
      .then(report, (err) => socketLogger(deps.logger, socket).warn({ err, agentId }, 'presence disconnect failed'));
  });
}

/** The socket's commands, defined by commandsOf on its first command. */
function registerCommands(on: Register<AgentCommands>, socket: AgentSocket, deps: Deps, notifier: Notifier, router: Router): void {
  const knex = deps.db.knex;
  const actor: AgentActor = { type: 'agent', projectId: socket.data.projectId, agentId: socket.data.agentId };

  on('presence:set', z.object({ status: z.enum(['online', 'away']) }), async ({ status }) => {
    const change = await deps.presence.setStatus(actor.projectId, actor.agentId, status);
    if (change.changed) {
      notifier.presenceChanged(actor.projectId, actor.agentId, change.status);
      router.presenceChanged(actor.projectId, actor.agentId, change.status);
    }
    return { status };
  });

  on('conversation:list', listInput, async ({ status, assignee, limit }) => {
    const assigneeId = assignee === 'mine' ? actor.agentId : assignee === 'unassigned' ? null : assignee;
    const page = await listConversations(knex, actor.projectId, {
      ...(status ? { status } : {}),
      ...(assigneeId !== undefined ? { assigneeId } : {}),
      limit: limit ?? AGENT_LIST_DEFAULT,
    });
    return page.data;
  });

  on('conversation:join', conversationRef, async ({ conversationId }) => {
    const { conversation, messages, assigned } = await joinConversation(knex, actor, conversationId);
    if (assigned) {
      notifier.conversationUpdated(conversation);
      void router.route(actor.projectId, [conversation]);
    }
    return { conversation, messages };
  });

  on('conversation:leave', conversationRef, async ({ conversationId }) => {
    const { conversation, unassigned } = await leaveConversation(knex, actor, conversationId);
    if (unassigned) {
      notifier.conversationUpdated(conversation);
      void router.route(actor.projectId, [conversation]);
    }
    return {};
  });

  on('conversation:close', conversationRef, async ({ conversationId }) => {
    const conversation = await closeConversation(knex, actor, conversationId);
    notifier.conversationUpdated(conversation);
    // Closed with no assignee: it was waiting, and the queue behind it moved up. Else its agent has room again.
    void router.route(actor.projectId, conversation.assigneeId ? [] : [conversation]);
    return conversation;
  });

  on('conversation:reopen', conversationRef, async ({ conversationId }) => {
    const conversation = await reopenConversation(knex, actor, conversationId);
    notifier.conversationUpdated(conversation);
    if (conversation.status === 'unassigned') void router.route(actor.projectId, [conversation]);
    return conversation;
  });

  on('conversation:transfer', z.object({ conversationId: uuid, agentId: uuid }), async ({ conversationId, agentId }) => {
    const conversation = await transferConversation(knex, actor, conversationId, agentId);
    notifier.conversationUpdated(conversation);
    // The previous assignee has room again; a conversation taken from the queue moved the others up.
    void router.route(actor.projectId, [conversation]);
    return conversation;
  });

  registerConversationCommands(on, socket, actor, deps, notifier);
}
