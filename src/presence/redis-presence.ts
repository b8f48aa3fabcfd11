/**
 * Presence of agents across processes: each process heartbeats into Redis; a process that
 * stops heartbeating is swept by the survivors, and its agents go offline within the TTL.
 * Socket counts change atomically in Lua, so two tabs on two processes never race.
 * Through a Redis outage it heals: what failed to reach Redis is written again once it answers.
 */
import type { Redis } from 'ioredis';
import { v4 as uuidv4 } from 'uuid';
import { presenceKeys as keys } from './keys.js';
import { ProcessHeartbeat } from './process-heartbeat.js';
import type { AgentStatus, PresenceListener, PresenceStore, StatusChange } from './presence-store.js';

// KEYS: agentSockets, agentAway, processSockets; ARGV: member, socketId, "projectId|agentId"
const CONNECT = `
local before = redis.call('SCARD', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
if before == 0 then
  redis.call('DEL', KEYS[2])
  return {'online', 1}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'away', 0} end
return {'online', 0}`;

// KEYS: agentSockets, agentAway, processSockets; ARGV: member, socketId
const DISCONNECT = `
redis.call('HDEL', KEYS[3], ARGV[2])
local removed = redis.call('SREM', KEYS[1], ARGV[1])
local left = redis.call('SCARD', KEYS[1])
if left == 0 then
  redis.call('DEL', KEYS[2])
  return {'offline', removed}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'away', 0} end
return {'online', 0}`;

// KEYS: agentSockets, agentAway; ARGV: "online" | "away"
const SET_STATUS = `
if redis.call('SCARD', KEYS[1]) == 0 then return {'offline', 0} end
local was = redis.call('EXISTS', KEYS[2])
if ARGV[1] == 'away' then
  redis.call('SET', KEYS[2], '1')
  return {'away', 1 - was}
end
redis.call('DEL', KEYS[2])
return {'online', was}`;

export interface RedisPresenceOptions {
  /** How soon a dead process's agents go offline. @default 30 */
  ttlSeconds: number;
}

interface LocalSocket {
  projectId: string;
  agentId: string;
}

export class RedisPresence implements PresenceStore {
  readonly processId = uuidv4();
  private readonly local = new Map<string, LocalSocket>();
  /** Sockets that left while Redis did not answer: Redis may still count them. */
  private readonly leftovers = new Map<string, LocalSocket>();
  private readonly heartbeat: ProcessHeartbeat;
  private listener: PresenceListener = () => {};

  constructor(
    private readonly redis: Redis,
    options: RedisPresenceOptions,
  ) {
    this.heartbeat = new ProcessHeartbeat(redis, keys, this.processId, options.ttlSeconds, {
      reregister: () => this.reregister(),
      removeLeftovers: () => this.removeLeftovers(),
      removeDead: (processId, sockets) => this.removeDead(processId, sockets),
    });
  }

  async connect(projectId: string, agentId: string, socketId: string): Promise<StatusChange> {
    this.local.set(socketId, { projectId, agentId });
    const result = (await this.redis
      .eval(
      CONNECT,
      3,
      keys.agentSockets(projectId, agentId),
      keys.agentAway(projectId, agentId),
      keys.processSockets(this.processId),
        `${this.processId}|${socketId}`,
        socketId,
        `${projectId}|${agentId}`,
      )
      .catch((err: unknown) => {
        this.heartbeat.markUnsynced();
        throw err;
      })) as [AgentStatus, number];
    return { status: result[0], changed: result[1] === 1 };
  }

  async disconnect(projectId: string, agentId: string, socketId: string): Promise<StatusChange> {
    this.local.delete(socketId);
    return this.remove(this.processId, socketId, projectId, agentId).catch((err: unknown) => {
      this.leftovers.set(socketId, { projectId, agentId });
      throw err;
    });
  }

  async setStatus(projectId: string, agentId: string, status: 'online' | 'away'): Promise<StatusChange> {
    const result = (await this.redis.eval(SET_STATUS, 2, keys.agentSockets(projectId, agentId), keys.agentAway(projectId, agentId), status)) as [
      AgentStatus,
      number,
    ];
    return { status: result[0], changed: result[1] === 1 };
  }

  async statuses(projectId: string, agentIds: string[]): Promise<Map<string, AgentStatus>> {
    if (agentIds.length === 0) return new Map();
    const pipeline = this.redis.pipeline();
    for (const id of agentIds) pipeline.scard(keys.agentSockets(projectId, id)).exists(keys.agentAway(projectId, id));
    const replies = (await pipeline.exec()) ?? [];
    return new Map(
      agentIds.map((id, i) => {
        const [sockErr, sockets] = replies[i * 2] ?? [];
        const [awayErr, away] = replies[i * 2 + 1] ?? [];
        if (sockErr || awayErr) throw sockErr ?? awayErr;
        const status: AgentStatus = Number(sockets) === 0 ? 'offline' : Number(away) === 1 ? 'away' : 'online';
        return [id, status];
      }),
    );
  }

  start(listener: PresenceListener): void {
    this.listener = listener;
    this.heartbeat.start();
  }

  async stop(): Promise<void> {
    this.heartbeat.stop();
    // Saying goodbye: this process's agents leave at once instead of after the TTL (all at
    // once, so a Redis that does not answer costs one command timeout, not one per socket).
    const goodbyes = [...this.local].map(([socketId, { projectId, agentId }]) =>
      this.disconnect(projectId, agentId, socketId).then(
        (change) => {
          if (change.changed) this.listener(projectId, agentId, change.status);
          return true;
        },
        () => false,
      ),
    );
    if ((await Promise.all(goodbyes)).every(Boolean) && this.leftovers.size === 0) await this.heartbeat.leave();
  }

  private async reregister(): Promise<void> {
    for (const [socketId, { projectId, agentId }] of this.local) {
      const change = await this.connect(projectId, agentId, socketId);
      if (change.changed) this.listener(projectId, agentId, change.status);
    }
  }

  /** Sockets that left during an outage: nobody was told, so say where the agent stands now. */
  private async removeLeftovers(): Promise<void> {
    for (const [socketId, { projectId, agentId }] of this.leftovers) {
      const change = await this.remove(this.processId, socketId, projectId, agentId);
      this.leftovers.delete(socketId);
      if (change.changed || change.status === 'offline') this.listener(projectId, agentId, change.status);
    }
  }

  /** A dead process's sockets ("projectId|agentId" by socket id): its agents may be offline now. */
  private async removeDead(processId: string, sockets: [string, string][]): Promise<void> {
    for (const [socketId, value] of sockets) {
      const [projectId, agentId] = value.split('|') as [string, string];
      const change = await this.remove(processId, socketId, projectId, agentId);
      if (change.changed) this.listener(projectId, agentId, change.status);
    }
  }

  private async remove(processId: string, socketId: string, projectId: string, agentId: string): Promise<StatusChange> {
    const result = (await this.redis.eval(
      DISCONNECT,
      3,
      keys.agentSockets(projectId, agentId),
      keys.agentAway(projectId, agentId),
      keys.processSockets(processId),
      `${processId}|${socketId}`,
      socketId,
    )) as [AgentStatus, number];
    return { status: result[0], changed: result[1] === 1 };
  }
}
