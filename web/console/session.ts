/** The signed-in agent, kept in localStorage: the token, who it is, the project last picked. */
import type { Agent } from './types.js';

const SESSION_KEY = 'pingstreams.console.session';
const PROJECT_KEY = 'pingstreams.console.projectId';

export interface Session {
  token: string;
  agent: Agent;
}

/** Seconds since the epoch at which the token expires (its `exp` claim), or null if unreadable. */
export function tokenExpiry(token: string): number | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

export const isExpired = (token: string) => (tokenExpiry(token) ?? 0) * 1000 <= Date.now();

/** The stored session, unless it is missing, malformed or expired (then it is forgotten). */
export function loadSession(): Session | null {
  try {
    const stored = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    if (stored && typeof stored.token === 'string' && stored.agent && !isExpired(stored.token)) return stored;
  } catch {
    // A damaged entry is the same as none.
  }
  localStorage.removeItem(SESSION_KEY);
  return null;
}

export function saveSession(session: Session): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(SESSION_KEY);
}

export const loadProjectId = () => localStorage.getItem(PROJECT_KEY);

export function saveProjectId(projectId: string | null): void {
  if (projectId) localStorage.setItem(PROJECT_KEY, projectId);
  else localStorage.removeItem(PROJECT_KEY);
}

/** The presence the agent chose in a project, kept across reloads (the server forgets it with the last socket). */
const presenceKey = (projectId: string) => `pingstreams.console.presence.${projectId}`;
export const loadPresence = (projectId: string): 'online' | 'away' => (localStorage.getItem(presenceKey(projectId)) === 'away' ? 'away' : 'online');
export const savePresence = (projectId: string, status: 'online' | 'away') => localStorage.setItem(presenceKey(projectId), status);
