/**
 * Presence of agents across processes: each process heartbeats into Redis; a process that
 * stops heartbeating is swept by the survivors, and its agents go offline within the TTL.
 * Socket counts change atomically in Lua, so two tabs on two processes never race.
 * Through a Redis outage it heals: what failed to reach Redis is written again once it answers.
 */
import type { Redis } from 'ioredis';
import { v4 as uuidv4 } from 'uuid';
import { presenceKeys as keys } from './keys.js';
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

// KEYS: processes, processSockets; ARGV: processId. Only the sweeper that removes the process gets its sockets.
const CLAIM_DEAD = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return {} end
local sockets = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
return sockets`;

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
  /** A connect did not reach Redis: write every local socket again at the next beat. */
  private unsynced = false;
  /** The last beat failed; when one succeeds again the outage is over. */
  private redisDown = false;
  private outageEndedAt = 0;
  private ticking = false;
  private readonly onReady = () => void this.tick();
  private timer: NodeJS.Timeout | null = null;
  private listener: PresenceListener = () => {};
  private readonly beatMs: number;
  private readonly deadAfterMs: number;

  constructor(
    private readonly redis: Redis,
    options: RedisPresenceOptions,
  ) {
    // Beat six times per TTL; a process silent for four beats is dead, and the next sweep
    // (at most one beat later) takes its agents offline: within the TTL.
    this.beatMs = Math.max(250, Math.floor((options.ttlSeconds * 1000) / 6));
    this.deadAfterMs = this.beatMs * 4;
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
        this.unsynced = true;
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
    // Back from an outage: heal at once rather than at the next beat.
    this.redis.on('ready', this.onReady);
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.beatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.redis.off('ready', this.onReady);
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
    const clean = (await Promise.all(goodbyes)).every(Boolean) && this.leftovers.size === 0;
    // Leaving the heartbeat set would hide leftovers from the survivors' sweep: only when none are left.
    if (clean) await this.redis.zrem(keys.processes(), this.processId).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const added = await this.redis.zadd(keys.processes(), Date.now(), this.processId);
      if (this.redisDown) this.outageEndedAt = Date.now();
      this.redisDown = false;
      // We were swept while alive (a long pause), Redis restarted empty, or a connect failed:
      // put our sockets back.
      if (Number(added) === 1 || this.unsynced) await this.reregister();
      await this.removeLeftovers();
      // After an outage every process needs a beat or two to heartbeat again: sweeping before
      // that would take live processes' agents offline (a flap), so wait as long as a death takes.
      if (Date.now() - this.outageEndedAt >= this.deadAfterMs) await this.sweep();
    } catch {
      // Redis is away; the next beat (or its coming back) tries again.
      this.redisDown = true;
    } finally {
      this.ticking = false;
    }
  }

  private async reregister(): Promise<void> {
    this.unsynced = false;
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

  private async sweep(): Promise<void> {
    const dead = await this.redis.zrangebyscore(keys.processes(), '-inf', Date.now() - this.deadAfterMs);
    for (const processId of dead) {
      if (processId === this.processId) continue;
      const flat = (await this.redis.eval(CLAIM_DEAD, 2, keys.processes(), keys.processSockets(processId), processId)) as string[];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const [projectId, agentId] = flat[i + 1]!.split('|') as [string, string];
        const change = await this.remove(processId, flat[i]!, projectId, agentId);
        if (change.changed) this.listener(projectId, agentId, change.status);
      }
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
