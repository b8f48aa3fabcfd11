/** Chat fixtures: an owner, a project, a visitor with a started conversation, an agent socket; plus event helpers. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import type { TestApp, VisitorClient } from './start-app.js';
import { ack, addAgent, api, collect, nextEvent, ok, ownerWithProject, sleep, type AgentAccount } from './clients.js';

/** Events may cross Redis and a busy 2-core machine: wait generously for what must come. */
export const EVENT_TIMEOUT_MS = 15_000;

/** How long to listen for an event that must NOT come, once a matching event already reached someone else. */
export const QUIET_MS = 300;

export interface Chat {
  owner: AgentAccount;
  projectId: string;
  /** A plain member (role `agent`), connected; the assignee when `join` is on. */
  agent: AgentAccount;
  agentSocket: Socket;
  visitor: VisitorClient;
  conversation: any;
}

/**
 * A fresh project with a plain agent connected and a visitor who started a conversation
 * (with `text`, so message seq 1 exists, unless `text` is null). With `join` (the default)
 * the agent joined it, so it is `assigned` to that agent.
 * The project routes `pooled`: these chats are about what happens once an agent joins, so
 * automatic assignment must not race the test's own join (routing has its own tests,
 * test/conversations/routing*.test.ts).
 */
export async function startChat(t: TestApp, options: { text?: string | null; join?: boolean } = {}): Promise<Chat> {
  const { owner, projectId } = await ownerWithProject(t.url);
  await setRouting(t, owner.token, projectId, 'pooled');
  const agent = await addAgent(t.url, owner.token, projectId, 'agent');
  const agentSocket = await t.connectAgent(agent.token, projectId);
  const visitor = await t.connectVisitor(projectId);
  const text = options.text === undefined ? 'Hello, I need help' : options.text;
  const created = waitFor(agentSocket, 'conversation:created');
  let conversation = await ok(visitor.socket, 'conversation:start', text === null ? {} : { text });
  await created;
  if (options.join !== false) {
    // Drain the join's own events, so that a test's "nothing arrives" checks start clean.
    const isThis = (c: any) => c.id === conversation.id && c.status === 'assigned';
    const updated = [agentSocket, visitor.socket].map((s) => waitFor(s, 'conversation:updated', isThis));
    conversation = (await ok(agentSocket, 'conversation:join', { conversationId: conversation.id })).conversation;
    await Promise.all(updated);
  }
  return { owner, projectId, agent, agentSocket, visitor, conversation };
}

/** Sets the project's routing (`auto` is every new project's default). */
export async function setRouting(t: Pick<TestApp, 'url'>, ownerToken: string, projectId: string, routing: 'auto' | 'pooled'): Promise<void> {
  const res = await api(t.url, 'PATCH', `/v1/projects/${projectId}`, { token: ownerToken, body: { routing } });
  if (res.status !== 200 || res.body.routing !== routing) throw new Error(`setting routing failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Another member of the project (role `agent` unless told), connected to /agent. */
export async function connectMember(t: TestApp, chat: Pick<Chat, 'owner' | 'projectId'>, role: 'agent' | 'admin' = 'agent') {
  const account = await addAgent(t.url, chat.owner.token, chat.projectId, role);
  return { account, socket: await t.connectAgent(account.token, chat.projectId) };
}

/** A `message:send` payload with a fresh clientMessageId. */
export const outgoing = (conversationId: string, text: string, extra: Record<string, unknown> = {}) => ({
  conversationId,
  clientMessageId: randomUUID(),
  text,
  ...extra,
});

/** The next `event` on `socket` matching `where`, with a generous timeout. */
export const waitFor = <T = any>(socket: Socket, event: string, where: (payload: T) => boolean = () => true) =>
  nextEvent<T>(socket, event, where, EVENT_TIMEOUT_MS);

/** Waits until `condition` holds, polling; fails after the generous timeout. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + EVENT_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Asserts that the ack failed with `code`; returns the error body. */
export async function expectError(socket: Socket, event: string, payload: unknown, code: string): Promise<any> {
  const res = await ack(socket, event, payload);
  expect(res.ok, `${event} should fail with ${code}, got ${JSON.stringify(res)}`).to.equal(false);
  expect(res.error.code).to.equal(code);
  expect(res.error.message).to.be.a('string').and.not.empty;
  return res.error;
}

/**
 * Starts collecting `event` on each socket; `quiet()` later asserts none of them got one
 * (matching `where`: with Redis, events of earlier steps may still be on their way).
 */
export function expectNothing(sockets: Socket[], event: string, where: (payload: any) => boolean = () => true) {
  const seen = sockets.map((socket) => collect(socket, event));
  return {
    seen,
    async quiet(ms = QUIET_MS): Promise<void> {
      await sleep(ms);
      seen.forEach((got, i) => expect(got.filter(where), `socket #${i} got ${event}`).to.deep.equal([]));
    },
  };
}

/** The exact key set of a Message. */
export const MESSAGE_KEYS = ['attributes', 'clientMessageId', 'conversationId', 'createdAt', 'id', 'private', 'sender', 'seq', 'text'];

export const isIsoUtc = (value: unknown) => typeof value === 'string' && value.endsWith('Z') && new Date(value).toISOString() === value;
