/** Small helpers over real clients: REST calls, acks, and waiting for (or ruling out) events. */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { eventually } from './eventually.js';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = any>(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, body: (contentType.includes('json') && text ? JSON.parse(text) : text) as T, headers: res.headers };
}

export const uniqueEmail = (label = 'agent') => `${label}-${randomUUID()}@example.test`;

export interface AgentAccount {
  agent: { id: string; email: string; fullname: string };
  token: string;
  email: string;
  password: string;
}

export async function signup(url: string, fullname = 'Agent Smith'): Promise<AgentAccount> {
  const email = uniqueEmail();
  const password = 'correct horse battery';
  const res = await api(url, 'POST', '/v1/auth/signup', { body: { email, password, fullname } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, email, password };
}

/** An owner with a fresh project. */
export async function ownerWithProject(url: string): Promise<{ owner: AgentAccount; projectId: string; project: any }> {
  const owner = await signup(url, 'Olivia Owner');
  const res = await api(url, 'POST', '/v1/projects', { token: owner.token, body: { name: 'Acme Support' } });
  if (res.status !== 201) throw new Error(`project failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { owner, projectId: res.body.id, project: res.body };
}

/** A new agent account added to the project by its owner, logged in. */
export async function addAgent(url: string, ownerToken: string, projectId: string, role: 'agent' | 'admin' = 'agent'): Promise<AgentAccount> {
  const email = uniqueEmail(role);
  const password = 'correct horse battery';
  const added = await api(url, 'POST', `/v1/projects/${projectId}/agents`, { token: ownerToken, body: { email, password, fullname: `An ${role}`, role } });
  if (added.status !== 201) throw new Error(`add agent failed: ${added.status} ${JSON.stringify(added.body)}`);
  const login = await api(url, 'POST', '/v1/auth/login', { body: { email, password } });
  return { ...login.body, email, password };
}

/** Emits a command and resolves with its ack (`{ ok, data }` or `{ ok, error }`). */
export function ack<T = any>(socket: Socket, event: string, payload: unknown = {}, timeoutMs = 10_000): Promise<{ ok: boolean; data: T; error: any }> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload);
}

/** Like `ack`, but throws unless ok, and returns the data. */
export async function ok<T = any>(socket: Socket, event: string, payload: unknown = {}): Promise<T> {
  const res = await ack<T>(socket, event, payload);
  if (!res.ok) throw new Error(`${event} failed: ${JSON.stringify(res.error)}`);
  return res.data;
}

/** The next `event` on `socket` (optionally the next one matching `where`), or a rejection after `timeoutMs`. */
export function nextEvent<T = any>(socket: Socket, event: string, where: (payload: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!where(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Collects every `event` on `socket` from now on. */
export function collect<T = any>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Until the project's agents list (as its owner sees it) shows `agentId` with this presence.
 * With Redis, presence is written just after an agent socket connects: until then auto routing
 * would queue a new conversation instead of handing it to that agent.
 */
export async function untilPresence(url: string, ownerToken: string, projectId: string, agentId: string, status: string, timeoutMs = 15_000): Promise<void> {
  const shows = async () => {
    const members = await api(url, 'GET', `/v1/projects/${projectId}/agents`, { token: ownerToken });
    return members.body.data?.some((m: { id: string; presence: string }) => m.id === agentId && m.presence === status);
  };
  await eventually(shows, `agent ${agentId} ${status}`, timeoutMs, 25);
}
