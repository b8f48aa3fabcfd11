/**
 * Visitor presence across processes: a set of sockets per lead in Redis, changed atomically in
 * Lua, so two tabs on two processes never race. Like agent presence, each process heartbeats and
 * the survivors sweep a dead one's sockets within PRESENCE_TTL_SECONDS; what failed to reach Redis
 * during an outage is written again once it answers.
 *
 * Each lead's online/offline transitions are numbered in Redis, but the processes that made two
 * quick ones announce them through the adapter independently, so agents could hear them in the
 * wrong order (a tab closing on A as another opens on B). A transition that follows another
 * within RACE_WINDOW_MS is therefore announced again after SETTLE_MS if it is still the latest:
 * agents may hear the current state twice, never end on a stale one.
 */
import type { Redis } from 'ioredis';
import { v4 as uuidv4 } from 'uuid';
import { visitorPresenceKeys as keys } from './keys.js';
import { ProcessHeartbeat } from './process-heartbeat.js';
import type { VisitorPresenceListener, VisitorPresenceStore, VisitorSocketRef } from './visitor-presence-store.js';

const RACE_WINDOW_MS = 2_000;
const SETTLE_MS = 1_000;

// KEYS[3] is the lead's state: returns {1, version, ms since the previous transition}.
const TRANSITION = `
local function transition(key)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local before = tonumber(redis.call('HGET', key, 'at') or '0')
  local v = redis.call('HINCRBY', key, 'v', 1)
  redis.call('HSET', key, 'at', now)
  redis.call('PEXPIRE', key, 3600000)
  return {1, v, now - before}
end`;

// KEYS: leadSockets, processSockets, leadState; ARGV: member, field, value. A transition when this is the lead's first socket.
const CONNECT = `${TRANSITION}
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
if added == 1 and redis.call('SCARD', KEYS[1]) == 1 then return transition(KEYS[3]) end
return {0, 0, 0}`;

// KEYS: leadSockets, processSockets, leadState; ARGV: member, field. A transition when this was the lead's last socket.
const DISCONNECT = `${TRANSITION}
redis.call('HDEL', KEYS[2], ARGV[2])
local removed = redis.call('SREM', KEYS[1], ARGV[1])
if removed == 1 and redis.call('SCARD', KEYS[1]) == 0 then return transition(KEYS[3]) end
return {0, 0, 0}`;

const field = (ref: VisitorSocketRef) => `${ref.socketId}|${ref.leadId}`;

export class RedisVisitorPresence implements VisitorPresenceStore {
  readonly processId = uuidv4();
  /** This process's sockets, by field. */
  private readonly local = new Map<string, VisitorSocketRef>();
  /** Sockets that left while Redis did not answer: Redis may still count them. */
  private readonly leftovers = new Map<string, VisitorSocketRef>();
  private readonly heartbeat: ProcessHeartbeat;
  private stopped = false;
  private listener: VisitorPresenceListener = async () => {};

  constructor(
    private readonly redis: Redis,
    options: { ttlSeconds: number },
  ) {
    // As agent presence (src/presence/process-heartbeat.ts), under keys of its own.
    this.heartbeat = new ProcessHeartbeat(redis, keys, this.processId, options.ttlSeconds, {
      reregister: () => this.reregister(),
      removeLeftovers: () => this.removeLeftovers(),
      removeDead: (processId, sockets) => this.removeDead(processId, sockets),
    });
  }

  async connect(ref: VisitorSocketRef): Promise<boolean> {
    if (this.stopped) return false;
    this.local.set(field(ref), ref);
    this.leftovers.delete(field(ref));
    return this.add(ref).catch((err: unknown) => {
      this.heartbeat.markUnsynced();
      throw err;
    });
  }

  async disconnect(ref: VisitorSocketRef): Promise<boolean> {
    if (this.stopped) return false;
    this.local.delete(field(ref));
    return this.remove(this.processId, ref).catch((err: unknown) => {
      this.leftovers.set(field(ref), ref);
      throw err;
    });
  }

  start(listener: VisitorPresenceListener): void {
    this.listener = listener;
    this.heartbeat.start();
  }

  async stop(): Promise<void> {
    this.heartbeat.stop();
    const goodbyes = [...this.local.values()].map((ref) =>
      this.remove(this.processId, ref).then(
        async (last) => {
          if (last) await this.listener(ref, false);
          return true;
        },
        () => false,
      ),
    );
    this.stopped = true;
    this.local.clear();
    if ((await Promise.all(goodbyes)).every(Boolean) && this.leftovers.size === 0) await this.heartbeat.leave();
  }

  private async reregister(): Promise<void> {
    for (const ref of [...this.local.values()]) if (await this.add(ref)) await this.listener(ref, true);
  }

  private async removeLeftovers(): Promise<void> {
    for (const [key, ref] of [...this.leftovers]) {
      const last = await this.remove(this.processId, ref);
      this.leftovers.delete(key);
      if (last) await this.listener(ref, false);
    }
  }

  /** A dead process's sockets ("projectId|leadId|visitorId" by "socketId|leadId"): their leads may be offline now. */
  private async removeDead(processId: string, sockets: [string, string][]): Promise<void> {
    for (const [key, value] of sockets) {
      const [socketId] = key.split('|') as [string];
      const [projectId, leadId, visitorId] = value.split('|') as [string, string, string];
      const ref = { projectId, leadId, visitorId, socketId };
      if (await this.remove(processId, ref)) await this.listener(ref, false);
    }
  }

  private async add(ref: VisitorSocketRef): Promise<boolean> {
    const value = `${ref.projectId}|${ref.leadId}|${ref.visitorId}`;
    const reply = (await this.redis.eval(
      CONNECT,
      3,
      keys.leadSockets(ref.projectId, ref.leadId),
      keys.processSockets(this.processId),
      keys.leadState(ref.projectId, ref.leadId),
      `${this.processId}|${ref.socketId}`,
      field(ref),
      value,
    )) as [number, number, number];
    return this.transitioned(ref, reply);
  }

  private async remove(processId: string, ref: VisitorSocketRef): Promise<boolean> {
    const reply = (await this.redis.eval(
      DISCONNECT,
      3,
      keys.leadSockets(ref.projectId, ref.leadId),
      keys.processSockets(processId),
      keys.leadState(ref.projectId, ref.leadId),
      `${processId}|${ref.socketId}`,
      field(ref),
    )) as [number, number, number];
    return this.transitioned(ref, reply);
  }

  /** Whether the script changed the lead's state; a change close behind another is checked again once things settle. */
  private transitioned(ref: VisitorSocketRef, [changed, version, sincePrevious]: [number, number, number]): boolean {
    if (Number(changed) !== 1) return false;
    if (Number(sincePrevious) < RACE_WINDOW_MS) setTimeout(() => void this.settle(ref, Number(version)), SETTLE_MS).unref();
    return true;
  }

  /** Still the latest transition: say the lead's state again, in case an older announcement overtook ours. */
  private async settle(ref: VisitorSocketRef, version: number): Promise<void> {
    if (this.stopped) return;
    try {
      const [[, v], [, sockets]] = (await this.redis
        .multi()
        .hget(keys.leadState(ref.projectId, ref.leadId), 'v')
        .scard(keys.leadSockets(ref.projectId, ref.leadId))
        .exec()) as [[unknown, string | null], [unknown, number]];
      if (Number(v) === version) await this.listener(ref, Number(sockets) > 0);
    } catch {
      // Redis is away: the announcement made stands.
    }
  }
}
