/** Agent presence per project: online while any socket is connected anywhere, away on request, offline after the last. */

export type AgentStatus = 'online' | 'away' | 'offline';

export interface StatusChange {
  status: AgentStatus;
  /** Whether this call changed what the project's agents should see. */
  changed: boolean;
}

export type PresenceListener = (projectId: string, agentId: string, status: AgentStatus) => void;

export interface PresenceStore {
  connect(projectId: string, agentId: string, socketId: string): Promise<StatusChange>;
  disconnect(projectId: string, agentId: string, socketId: string): Promise<StatusChange>;
  /** Only for an agent with a connected socket; otherwise it stays offline. */
  setStatus(projectId: string, agentId: string, status: 'online' | 'away'): Promise<StatusChange>;
  statuses(projectId: string, agentIds: string[]): Promise<Map<string, AgentStatus>>;
  /** Starts background work; `listener` hears changes this store finds by itself (a dead process's agents). */
  start(listener: PresenceListener): void;
  stop(): Promise<void>;
}
