/** Conversation use cases shared by both namespaces and REST: each returns what changed, the caller tells the world. */
import type { Knex } from 'knex';
import { v4 as uuidv4 } from 'uuid';
import { AppError } from '../errors.js';
import { ensureLeadOfVisitor, type VisitorRef } from '../contacts/visitor-leads.js';
import { findMembership } from '../projects/member.store.js';
import { assertMayWrite, conversationFor } from './access.js';
import type { Actor, AgentActor, VisitorActor } from './actor.js';
import {
  addParticipant,
  insertConversation,
  removeParticipant,
  updateConversation,
  type Conversation,
} from './conversation.store.js';
import { listMessages, toMessage, type Message, type MessageRow } from './message.store.js';
import { recordDecline } from '../routing/routing.store.js';
import { conversationEvent, messageEvent, writeOutbox } from '../integrations/outbox.js';

export interface Started {
  conversation: Conversation;
  firstMessage: Message | null;
  leadCreated: boolean;
}

/** A visitor opens a support request; its lead is created now if it has none; `text` becomes seq 1. */
export function startConversation(knex: Knex, visitor: VisitorRef, input: { text?: string; attributes?: Record<string, unknown> }): Promise<Started> {
  return knex.transaction(async (trx) => {
    const { leadId, created } = await ensureLeadOfVisitor(trx, visitor);
    const conversation = await insertConversation(trx, {
      projectId: visitor.projectId,
      leadId,
      firstText: input.text ?? null,
      lastSeq: input.text === undefined ? 0 : 1,
      attributes: input.attributes ?? {},
    });
    let firstMessage: Message | null = null;
    if (input.text !== undefined) {
      const [row] = (await trx('messages')
        .insert({
          id: uuidv4(),
          conversation_id: conversation.id,
          seq: 1,
          client_message_id: `start:${conversation.id}`,
          sender_type: 'visitor',
          sender_id: visitor.visitorId,
          text: input.text,
          attributes: JSON.stringify(input.attributes ?? {}),
        })
        .returning('*')) as MessageRow[];
      firstMessage = toMessage(row!);
    }
    // Webhooks (src/integrations/outbox.ts): in this transaction, as every event below.
    await writeOutbox(trx, [conversationEvent('conversation.created', conversation), ...(firstMessage ? [messageEvent(visitor.projectId, firstMessage)] : [])]);
    return { conversation, firstMessage, leadCreated: created };
  });
}

export interface Joined {
  conversation: Conversation;
  messages: Message[];
  /** True when this join assigned an unassigned conversation to the joining agent. */
  assigned: boolean;
}

/** Any agent of the project may join; an unassigned conversation becomes the joiner's. */
export function joinConversation(knex: Knex, agent: AgentActor, conversationId: string): Promise<Joined> {
  return knex.transaction(async (trx) => {
    let conversation = await conversationFor(trx, agent, conversationId, { lock: true });
    let assigned = false;
    if (conversation.status === 'unassigned') {
      conversation = await updateConversation(trx, conversation, { status: 'assigned', assignee_id: agent.agentId });
      await markAssigned(trx, agent.projectId, agent.agentId);
      await writeOutbox(trx, [conversationEvent('conversation.updated', conversation)]);
      assigned = true;
    }
    await addParticipant(trx, conversation.id, agent.agentId);
    const messages = await listMessages(trx, conversation, {}, 'agent');
    return { conversation, messages, assigned };
  });
}

/**
 * The agent stops following the conversation. If it was the assignee, the conversation goes
 * back to the queue (`unassigned`) so that it is never left with nobody answering; a closed
 * one stays closed but loses its assignee too, so that reopening it later never hands it
 * back to someone who left it. `unassigned` says the assignee was cleared.
 */
export function leaveConversation(knex: Knex, agent: AgentActor, conversationId: string): Promise<{ conversation: Conversation; unassigned: boolean }> {
  return knex.transaction(async (trx) => {
    let conversation = await conversationFor(trx, agent, conversationId, { lock: true });
    await removeParticipant(trx, conversation.id, agent.agentId);
    const unassigned = conversation.assigneeId === agent.agentId;
    if (unassigned) conversation = await updateConversation(trx, conversation, conversation.status === 'closed' ? { assignee_id: null } : { status: 'unassigned', assignee_id: null });
    // Automatic routing never hands it back to someone who left it.
    if (unassigned) await recordDecline(trx, conversation.id, agent.agentId);
    if (unassigned) await writeOutbox(trx, [conversationEvent('conversation.updated', conversation)]);
    return { conversation, unassigned };
  });
}

export function closeConversation(knex: Knex, agent: AgentActor, conversationId: string): Promise<Conversation> {
  return knex.transaction(async (trx) => {
    const conversation = await conversationFor(trx, agent, conversationId, { lock: true });
    await assertMayWrite(trx, agent, conversation);
    if (conversation.status === 'closed') throw new AppError('CONFLICT', 'The conversation is already closed.');
    return updatedWithEvent(trx, conversation, { status: 'closed', closed_at: trx.fn.now() });
  });
}

export function reopenConversation(knex: Knex, agent: AgentActor, conversationId: string): Promise<Conversation> {
  return knex.transaction(async (trx) => {
    const conversation = await conversationFor(trx, agent, conversationId, { lock: true });
    await assertMayWrite(trx, agent, conversation);
    if (conversation.status !== 'closed') throw new AppError('CONFLICT', 'Only a closed conversation can be reopened.');
    return updatedWithEvent(trx, conversation, { status: conversation.assigneeId ? 'assigned' : 'unassigned', closed_at: null });
  });
}

/** Hands the conversation to another member of the project; the previous assignee stops following it. */
export function transferConversation(knex: Knex, agent: AgentActor, conversationId: string, toAgentId: string): Promise<Conversation> {
  return knex.transaction(async (trx) => {
    const conversation = await conversationFor(trx, agent, conversationId, { lock: true });
    await assertMayWrite(trx, agent, conversation);
    if (!(await findMembership(trx, agent.projectId, toAgentId))) throw new AppError('NOT_FOUND', 'No such agent in this project.');
    if (conversation.status === 'closed') throw new AppError('CONFLICT', 'A closed conversation cannot be transferred; reopen it first.');
    if (conversation.assigneeId === toAgentId) throw new AppError('CONFLICT', 'The conversation is already assigned to that agent.');
    if (conversation.assigneeId) await removeParticipant(trx, conversation.id, conversation.assigneeId);
    await addParticipant(trx, conversation.id, toAgentId);
    await markAssigned(trx, agent.projectId, toAgentId);
    return updatedWithEvent(trx, conversation, { status: 'assigned', assignee_id: toAgentId });
  });
}

/** The visitor rates a closed conversation (again, if it changes its mind). */
export function rateConversation(knex: Knex, visitor: VisitorActor, conversationId: string, input: { rating: number; comment?: string }): Promise<Conversation> {
  return knex.transaction(async (trx) => {
    const conversation = await conversationFor(trx, visitor, conversationId, { lock: true });
    if (conversation.status !== 'closed') throw new AppError('CONFLICT', 'Only a closed conversation can be rated.');
    return updatedWithEvent(trx, conversation, { rating: input.rating, rating_comment: input.comment ?? null });
  });
}

/** Moves the reader's side forward (never back, never past the last message). */
export function markRead(knex: Knex, actor: Actor, conversationId: string, seq: number): Promise<{ conversation: Conversation; moved: boolean }> {
  return knex.transaction(async (trx) => {
    const conversation = await conversationFor(trx, actor, conversationId, { lock: true });
    const column = actor.type === 'visitor' ? 'visitor_last_read_seq' : 'agent_last_read_seq';
    const current = actor.type === 'visitor' ? conversation.visitorLastReadSeq : conversation.agentLastReadSeq;
    const target = Math.min(seq, conversation.lastSeq);
    if (target <= current) return { conversation, moved: false };
    return { conversation: await updateConversation(trx, conversation, { [column]: target }), moved: true };
  });
}

/** updateConversation plus its `conversation.updated` webhook event, in `trx`. */
async function updatedWithEvent(trx: Knex.Transaction, conversation: Conversation, changes: Parameters<typeof updateConversation>[2]): Promise<Conversation> {
  const updated = await updateConversation(trx, conversation, changes);
  await writeOutbox(trx, [conversationEvent('conversation.updated', updated)]);
  return updated;
}

async function markAssigned(trx: Knex.Transaction, projectId: string, agentId: string): Promise<void> {
  await trx('project_members').where({ project_id: projectId, agent_id: agentId }).update({ last_assigned_at: trx.fn.now() });
}
