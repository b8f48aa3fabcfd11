/**
 * One routing decision: the oldest waiting conversations go to online agents with spare
 * capacity, the least loaded first, ties to the one whose last assignment is oldest. Runs
 * under the project's routing lock, so counts read here stay true until it commits.
 */
import type { Knex } from 'knex';
import { addParticipant, updateConversation, type Conversation } from '../conversations/conversation.store.js';
import type { PresenceStore } from '../presence/presence-store.js';
import { conversationEvent, writeOutbox } from '../integrations/outbox.js';
import {
  agentsWithSpareCapacity,
  declinesOf,
  lockStillWaiting,
  markAssignedNow,
  oldestWaiting,
  type AgentLoad,
  type RoutingSettings,
} from './routing.store.js';

/** At most this many assignments per decision; a longer queue takes another decision at once. */
export const DRAIN_BATCH = 100;

export interface Drained {
  assigned: Conversation[];
  /** The head of the queue was locked by someone else, or the batch was full: decide again soon. */
  again: boolean;
}

interface Candidate extends AgentLoad {
  /** Ordering key of the last assignment; null (never) sorts first. */
  lastRank: number;
}

export async function drainQueue(trx: Knex.Transaction, projectId: string, settings: RoutingSettings, presence: PresenceStore): Promise<Drained> {
  const none: Drained = { assigned: [], again: false };
  const withRoom = await agentsWithSpareCapacity(trx, projectId, settings.defaultMaxConcurrent);
  if (withRoom.length === 0) return none;
  const statuses = await presence.statuses(projectId, withRoom.map((a) => a.agentId));
  const agents: Candidate[] = withRoom
    .filter((a) => statuses.get(a.agentId) === 'online')
    .map((a) => ({ ...a, lastRank: a.lastAssignedAt ? a.lastAssignedAt.getTime() : -Infinity }));
  if (agents.length === 0) return none;

  // Plan first (declines may pass some over), then lock only the planned rows.
  const waiting = await oldestWaiting(trx, projectId, DRAIN_BATCH);
  if (waiting.length === 0) return none;
  const declines = await declinesOf(trx, waiting);
  const plan: { conversationId: string; agentId: string }[] = [];
  let rank = Number.MAX_SAFE_INTEGER / 2;
  for (const conversationId of waiting) {
    const agent = pickAgent(agents, declines.get(conversationId));
    // Every available agent left this one before: it waits for someone else, the next may go.
    if (!agent) continue;
    plan.push({ conversationId, agentId: agent.agentId });
    agent.open += 1;
    agent.lastRank = rank++;
    if (!agents.some((a) => spareOf(a) > 0)) break;
  }
  if (plan.length === 0) return none;

  const locked = await lockStillWaiting(trx, projectId, plan.map((step) => step.conversationId));
  const assigned: Conversation[] = [];
  for (const step of plan) {
    const conversation = locked.get(step.conversationId);
    // The queue advances from its head only: a head someone holds right now is decided next time.
    if (!conversation) return { assigned, again: true };
    assigned.push(await assign(trx, conversation, step.agentId));
  }
  // A full batch with room left: more may be waiting behind it.
  return { assigned, again: waiting.length === DRAIN_BATCH && agents.some((a) => spareOf(a) > 0) };
}

const spareOf = (a: Pick<AgentLoad, 'open' | 'capacity'>) => (a.capacity === 0 ? Infinity : a.capacity - a.open);

/** Fewest open conversations, then the oldest last assignment (never assigned first), then id for a stable order. */
export function pickAgent<T extends { agentId: string; open: number; capacity: number; lastRank: number }>(agents: T[], declinedBy?: Set<string>): T | null {
  let best: T | null = null;
  for (const a of agents) {
    if (spareOf(a) <= 0 || declinedBy?.has(a.agentId)) continue;
    if (!best || a.open < best.open || (a.open === best.open && (a.lastRank < best.lastRank || (a.lastRank === best.lastRank && a.agentId < best.agentId)))) best = a;
  }
  return best;
}

/** As a join would: assigned, the agent follows it (hears its messages), and its last assignment is now. */
async function assign(trx: Knex.Transaction, conversation: Conversation, agentId: string): Promise<Conversation> {
  const updated = await updateConversation(trx, conversation, { status: 'assigned', assignee_id: agentId });
  await addParticipant(trx, conversation.id, agentId);
  await markAssignedNow(trx, conversation.projectId, agentId);
  await writeOutbox(trx, [conversationEvent('conversation.updated', updated)]);
  return updated;
}
