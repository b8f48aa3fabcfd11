/** Routing fixtures: a recorder that misses no event, online agents, visitors who start conversations, and waits on assignments and places. */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import type { TestApp } from './start-app.js';
import { addAgent, api, ok, sleep, untilPresence as untilPresenceOf, type AgentAccount } from './clients.js';
import { QUIET_MS, until } from './chat-fixtures.js';

/**
 * Every event a socket hears, in order, from the moment it is recorded: routing's events follow
 * the ack at once, often in the same read, so a listener added after the ack could miss them.
 */
export function record(socket: Socket) {
  const log: { event: string; payload: any }[] = [];
  socket.onAny((event, payload) => log.push({ event, payload }));
  const of = (event: string, conversationId: string, from = 0) =>
    log.slice(from).filter((e) => e.event === event && (e.payload.id ?? e.payload.conversationId) === conversationId).map((e) => e.payload);
  return {
    log,
    /** `from`: a `log.length` taken earlier, to look only at what came after it. */
    updates: (conversationId: string, from = 0) => of('conversation:updated', conversationId, from),
    assignments: (conversationId: string, from = 0) => of('conversation:updated', conversationId, from).filter((c) => c.status === 'assigned'),
    positions: (conversationId: string) => of('queue:position', conversationId).map((p) => p.position as number),
    lastPlace: (conversationId: string) => of('queue:position', conversationId).at(-1)?.position as number | undefined,
  };
}
export type Recorded = ReturnType<typeof record>;

export interface RoutedProject {
  owner: AgentAccount;
  projectId: string;
}

/** Helpers bound to one in-process app. */
export function routingClients(t: TestApp) {
  const patchMember = async (p: RoutedProject, agentId: string, body: unknown) => {
    const res = await api(t.url, 'PATCH', `/v1/projects/${p.projectId}/agents/${agentId}`, { token: p.owner.token, body });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  };
  const patchProject = async (p: RoutedProject, body: unknown) => {
    const res = await api(t.url, 'PATCH', `/v1/projects/${p.projectId}`, { token: p.owner.token, body });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  };
  const members = async (p: RoutedProject) => (await api(t.url, 'GET', `/v1/projects/${p.projectId}/agents`, { token: p.owner.token })).body.data as any[];
  const openOf = async (p: RoutedProject, agentId: string) => (await members(p)).find((m) => m.id === agentId).openConversations as number;
  const untilPresence = (p: RoutedProject, agentId: string, status: string) => untilPresenceOf(t.url, p.owner.token, p.projectId, agentId, status);
  /** A new member (a plain agent unless told), connected and online, optionally with its own capacity. */
  const onlineAgent = async (p: RoutedProject, maxConcurrent?: number, role: 'agent' | 'admin' = 'agent') => {
    const account = await addAgent(t.url, p.owner.token, p.projectId, role);
    if (maxConcurrent !== undefined) await patchMember(p, account.agent.id, { maxConcurrent });
    const socket = await t.connectAgent(account.token, p.projectId);
    await untilPresence(p, account.agent.id, 'online');
    return { id: account.agent.id, account, socket, seen: record(socket) };
  };
  /** A new visitor starts a conversation; everything its socket hears is recorded from before the start. */
  const start = async (p: RoutedProject, text = 'Hello, I need help') => {
    const visitor = await t.connectVisitor(p.projectId);
    const seen = record(visitor.socket);
    const conversation = await ok(visitor.socket, 'conversation:start', { text });
    return { visitor, seen, conversation, id: conversation.id as string };
  };
  return { patchMember, patchProject, members, openOf, untilPresence, onlineAgent, start };
}

/** Waits for the conversation's (first) assignment and checks who got it. */
export async function assignedTo(seen: Recorded, conversationId: string, agentId: string, from = 0) {
  await until(() => seen.assignments(conversationId, from).length > 0, `the assignment of ${conversationId}`);
  const assignment = seen.assignments(conversationId, from)[0];
  expect(assignment.assigneeId, 'assignee').to.equal(agentId);
  return assignment;
}

export const placeIs = (seen: Recorded, conversationId: string, position: number) =>
  until(() => seen.lastPlace(conversationId) === position, `queue place ${position} of ${conversationId}`);

/** After a quiet moment, still no assignment heard (since `from`). */
export async function stillWaiting(seen: Recorded, conversationId: string, from = 0) {
  await sleep(QUIET_MS);
  expect(seen.assignments(conversationId, from), 'no assignment').to.deep.equal([]);
}
