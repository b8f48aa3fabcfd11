/** The /visitor namespace: the widget's commands, each acked once. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { leadIdOfVisitor, updateLeadOfVisitor } from '../contacts/visitor-leads.js';
import type { VisitorActor } from '../conversations/actor.js';
import { rateConversation, startConversation } from '../conversations/conversation.service.js';
import { listConversationsOfLead } from '../conversations/conversation.store.js';
import type { Router } from '../routing/router.js';
import { attributes, email, messageText, uuid } from '../validation.js';
import { commandsOf, type Register } from './ack.js';
import { socketLogger } from './observe-sockets.js';
import { registerConversationCommands } from './conversation-commands.js';
import type { VisitorCommands } from './events.js';
import type { VisitorNamespace, VisitorSocket } from './namespaces.js';
import type { Notifier } from './notifier.js';
import { rooms } from './rooms.js';
import { authenticateVisitor, isMintedSession } from './visitor-handshake.js';

const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

/** The pre-chat form. Empty strings clear a field. */
export const leadUpdate = z.object({
  fullname: optionalText(200),
  firstName: optionalText(200),
  lastName: optionalText(200),
  email: z.string().trim().max(320).refine((s) => s === '' || email.safeParse(s).success, 'must be an email address').nullable().optional(),
  phone: optionalText(50),
  attributes: attributes.optional(),
});

const startInput = z.object({ text: messageText.optional(), attributes: attributes.optional() });
const rateInput = z.object({ conversationId: uuid, rating: z.number().int().min(1).max(5), comment: z.string().max(2000).optional() });

const emptyToNull = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === '' ? null : v])) as T;

export function registerVisitorNamespace(nsp: VisitorNamespace, deps: Deps, notifier: Notifier, router: Router): void {
  nsp.use(authenticateVisitor(deps, notifier));
  nsp.on('connection', (socket) => {
    const session = socket.data.session!;
    socket.data.session = undefined;
    void socket.join(session.leadId ? [rooms.visitor(session.visitorId), rooms.lead(session.leadId)] : rooms.visitor(session.visitorId));
    socket.emit('session', session);
    commandsOf<VisitorCommands>(socket, deps, (on) => registerCommands(on, socket, deps, notifier, router));
    if (!isMintedSession(session)) void joinLeadOfNow(socket, deps, session.leadId);
  });
}

/**
 * The visitor's lead may have changed between this handshake's read and this socket joining
 * its rooms: another tab created it, or a merge moved the visitor to another lead (and moved
 * the sockets it found, which did not include this one yet). Look again and follow it. A visitor
 * minted by this very handshake is skipped: nobody could name it before its session was sent.
 */
async function joinLeadOfNow(socket: VisitorSocket, deps: Deps, joined: string | null): Promise<void> {
  try {
    const leadId = await leadIdOfVisitor(deps.db.knex, socket.data);
    if (leadId === joined) return;
    if (leadId) await socket.join(rooms.lead(leadId));
    if (joined) await socket.leave(rooms.lead(joined));
  } catch (err) {
    socketLogger(deps.logger, socket).warn({ err }, 'could not re-check the lead of a new visitor socket');
  }
}

/** The socket's commands, defined by commandsOf on its first command. */
function registerCommands(on: Register<VisitorCommands>, socket: VisitorSocket, deps: Deps, notifier: Notifier, router: Router): void {
  const knex = deps.db.knex;
  const actor: VisitorActor = { type: 'visitor', projectId: socket.data.projectId, visitorId: socket.data.visitorId };

  /** The lead now exists: this socket and every other tab of the visitor hear its events. */
  const joinLead = (leadId: string, created: boolean) => {
    if (!created) return;
    void socket.join(rooms.lead(leadId));
    notifier.visitorJoinedLead(actor.visitorId, leadId);
  };

  on('lead:update', leadUpdate, async (input) => {
    const { lead, created } = await updateLeadOfVisitor(knex, actor, emptyToNull(input));
    joinLead(lead.id, created);
    return lead;
  });

  on('conversation:start', startInput, async (input) => {
    const started = await startConversation(knex, actor, input);
    const { conversation, firstMessage } = started;
    joinLead(conversation.leadId, started.leadCreated);
    notifier.conversationCreated(conversation);
    // The visitor's other tabs show the opening message too (no agent follows it yet).
    if (firstMessage) notifier.messageCreated(firstMessage, { projectId: conversation.projectId, leadId: conversation.leadId, agentIds: [] }, socket.id);
    // After the ack (the decision waits for the database): conversation:updated if an agent
    // takes it, else queue:position.
    void router.route(conversation.projectId, [conversation]);
    return conversation;
  });

  on('conversation:list', z.object({}), async () => {
    const leadId = await leadIdOfVisitor(knex, actor);
    return leadId ? listConversationsOfLead(knex, actor.projectId, leadId) : [];
  });

  on('conversation:rate', rateInput, async ({ conversationId, ...rating }) => {
    const conversation = await rateConversation(knex, actor, conversationId, rating);
    notifier.conversationUpdated(conversation);
    return conversation;
  });

  registerConversationCommands(on, socket, actor, deps, notifier);
}
