/** Presence inside one process (REDIS_URL unset). */
import type { AgentStatus, PresenceStore, StatusChange } from './presence-store.js';

interface Entry {
  sockets: Set<string>;
  away: boolean;
}

export class MemoryPresence implements PresenceStore {
  private readonly entries = new Map<string, Entry>();

  async connect(projectId: string, agentId: string, socketId: string): Promise<StatusChange> {
    const key = `${projectId}:${agentId}`;
    const entry = this.entries.get(key) ?? { sockets: new Set(), away: false };
    this.entries.set(key, entry);
    const wasOffline = entry.sockets.size === 0;
    entry.sockets.add(socketId);
    return { status: entry.away ? 'away' : 'online', changed: wasOffline };
  }

  async disconnect(projectId: string, agentId: string, socketId: string): Promise<StatusChange> {
    const key = `${projectId}:${agentId}`;
    const entry = this.entries.get(key);
    if (!entry || !entry.sockets.delete(socketId)) return { status: statusOf(entry), changed: false };
    if (entry.sockets.size > 0) return { status: statusOf(entry), changed: false };
    this.entries.delete(key);
    return { status: 'offline', changed: true };
  }

  async setStatus(projectId: string, agentId: string, status: 'online' | 'away'): Promise<StatusChange> {
    const entry = this.entries.get(`${projectId}:${agentId}`);
    if (!entry) return { status: 'offline', changed: false };
    const away = status === 'away';
    const changed = entry.away !== away;
    entry.away = away;
    return { status, changed };
  }

  async statuses(projectId: string, agentIds: string[]): Promise<Map<string, AgentStatus>> {
    return new Map(agentIds.map((id) => [id, statusOf(this.entries.get(`${projectId}:${id}`))]));
  }

  start(): void {}

  async stop(): Promise<void> {}
}

function statusOf(entry: Entry | undefined): AgentStatus {
  if (!entry || entry.sockets.size === 0) return 'offline';
  return entry.away ? 'away' : 'online';
}
