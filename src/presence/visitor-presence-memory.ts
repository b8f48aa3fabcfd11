/** Visitor presence inside one process (REDIS_URL unset). */
import type { VisitorPresenceStore, VisitorSocketRef } from './visitor-presence-store.js';

export class MemoryVisitorPresence implements VisitorPresenceStore {
  /** "projectId|leadId" → the ids of its connected sockets. */
  private readonly leads = new Map<string, Set<string>>();
  private stopped = false;

  async connect(ref: VisitorSocketRef): Promise<boolean> {
    if (this.stopped) return false;
    const key = `${ref.projectId}|${ref.leadId}`;
    const sockets = this.leads.get(key) ?? new Set<string>();
    this.leads.set(key, sockets);
    const first = sockets.size === 0;
    sockets.add(ref.socketId);
    return first;
  }

  async disconnect(ref: VisitorSocketRef): Promise<boolean> {
    if (this.stopped) return false;
    const key = `${ref.projectId}|${ref.leadId}`;
    const sockets = this.leads.get(key);
    if (!sockets?.delete(ref.socketId) || sockets.size > 0) return false;
    this.leads.delete(key);
    return true;
  }

  start(): void {}

  /** The only process is going away, with every agent it could tell: nothing to say. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.leads.clear();
  }
}
