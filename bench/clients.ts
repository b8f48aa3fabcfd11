/** Client side of the bench: REST calls and socket.io-client connections, for the relay and for Pingstreams. */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';

export async function rest(url: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Connects and resolves once connected (and, on /visitor of Pingstreams, once its session arrived). */
export function connect(url: string, namespace: string, auth: Record<string, unknown>, waitForSession = false): Promise<Socket> {
  const socket = io(url + namespace, { auth, transports: ['websocket'], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once(waitForSession ? 'session' : 'connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

export async function command<T = any>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const res = await socket.timeout(60_000).emitWithAck(event, payload);
  if (!res.ok) throw new Error(`${event}: ${JSON.stringify(res.error)}`);
  return res.data as T;
}

/** Runs `task` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface Pair {
  visitor: Socket;
  agent: Socket;
  conversationId: string;
}

/** N relay "conversations": a visitor and an agent socket in one room each. */
export async function relayPairs(url: string, n: number): Promise<Pair[]> {
  return pool(Array.from({ length: n }), 20, async (_, i) => {
    const room = `c${i}`;
    const [visitor, agent] = await Promise.all([connect(url, '/visitor', { room }), connect(url, '/agent', { room })]);
    return { visitor, agent, conversationId: room };
  });
}

export interface Tenant {
  ownerToken: string;
  projectId: string;
}

export async function newTenant(url: string): Promise<Tenant> {
  const email = `bench-${randomUUID()}@example.test`;
  const owner = await rest(url, 'POST', '/v1/auth/signup', undefined, { email, password: 'correct horse battery', fullname: 'Bench Owner' });
  const project = await rest(url, 'POST', '/v1/projects', owner.token, { name: 'Bench' });
  // Pooled: the bench's own agent joins each conversation, automatic assignment must not race it.
  await rest(url, 'PATCH', `/v1/projects/${project.id}`, owner.token, { routing: 'pooled' });
  return { ownerToken: owner.token, projectId: project.id };
}

/** N Pingstreams conversations, each started by its own visitor and joined by its own agent. */
export async function pingstreamsPairs(url: string, tenant: Tenant, n: number): Promise<Pair[]> {
  return pool(Array.from({ length: n }), 8, async () => {
    const email = `agent-${randomUUID()}@example.test`;
    const password = 'correct horse battery';
    await rest(url, 'POST', `/v1/projects/${tenant.projectId}/agents`, tenant.ownerToken, { email, password, fullname: 'Bench Agent', role: 'agent' });
    const login = await rest(url, 'POST', '/v1/auth/login', undefined, { email, password });
    const agent = await connect(url, '/agent', { token: login.token, projectId: tenant.projectId });
    const visitor = await connect(url, '/visitor', { projectId: tenant.projectId }, true);
    const conversation = await command(visitor, 'conversation:start', { text: 'Hello' });
    await command(agent, 'conversation:join', { conversationId: conversation.id });
    return { visitor, agent, conversationId: conversation.id as string };
  });
}

/**
 * The end of a chat phase, as a working day ends: each agent closes its conversation, then goes.
 * Agents who just disconnected would leave their conversations assigned: 60 s later (the routing
 * grace period) the server's routing sweeper would start taking them back to the queue, 20 per
 * 5-s sweep, each in a transaction of its own, while a later phase is being measured.
 */
export async function endPingstreamsPairs(pairs: Pair[]): Promise<void> {
  await pool(pairs, 8, (pair) => command(pair.agent, 'conversation:close', { conversationId: pair.conversationId }));
  closeAll(pairs.flatMap((p) => [p.visitor, p.agent]));
}

export function closeAll(sockets: Socket[]): void {
  for (const s of sockets) s.disconnect();
}
