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

// KEYS: processes, processSockets; ARGV: processId. Only the sweeper that removes the process gets its sockets.
const CLAIM_DEAD = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return {} end
local sockets = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
return sockets`;

const field = (ref: VisitorSocketRef) => `${ref.socketId}|${ref.leadId}`;

export class RedisVisitorPresence implements VisitorPresenceStore {
  readonly processId = uuidv4();
  /** This process's sockets, by field. */
  private readonly local = new Map<string, VisitorSocketRef>();
  /** Sockets that left while Redis did not answer: Redis may still count them. */
  private readonly leftovers = new Map<string, VisitorSocketRef>();
  private unsynced = false;
  private redisDown = false;
  private outageEndedAt = 0;
  private ticking = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private listener: VisitorPresenceListener = async () => {};
  private readonly beatMs: number;
  private readonly deadAfterMs: number;

  constructor(
    private readonly redis: Redis,
    options: { ttlSeconds: number },
  ) {
    // As agent presence: six beats per TTL, dead after four silent beats, swept at most one beat later.
    this.beatMs = Math.max(250, Math.floor((options.ttlSeconds * 1000) / 6));
    this.deadAfterMs = this.beatMs * 4;
  }

  async connect(ref: VisitorSocketRef): Promise<boolean> {
    if (this.stopped) return false;
    this.local.set(field(ref), ref);
    this.leftovers.delete(field(ref));
    return this.add(ref).catch((err: unknown) => {
      this.unsynced = true;
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
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.beatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
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
    const clean = (await Promise.all(goodbyes)).every(Boolean) && this.leftovers.size === 0;
    // Leaving the heartbeat set would hide what is left from the survivors' sweep: only when nothing is.
    if (clean) await this.redis.zrem(keys.processes(), this.processId).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const added = await this.redis.zadd(keys.processes(), Date.now(), this.processId);
      if (this.redisDown) this.outageEndedAt = Date.now();
      this.redisDown = false;
      // Swept while alive (a long pause), Redis restarted empty, or a connect failed: write our sockets again.
      if (Number(added) === 1 || this.unsynced) await this.reregister();
      await this.removeLeftovers();
      // After an outage every process needs a beat or two to heartbeat again: no sweep before that.
      if (Date.now() - this.outageEndedAt >= this.deadAfterMs) await this.sweep();
    } catch {
      this.redisDown = true;
    } finally {
      this.ticking = false;
    }
  }

  private async reregister(): Promise<void> {
    this.unsynced = false;
    for (const ref of [...this.local.values()]) if (await this.add(ref)) await this.listener(ref, true);
  }

  private async removeLeftovers(): Promise<void> {
    for (const [key, ref] of [...this.leftovers]) {
      const last = await this.remove(this.processId, ref);
      this.leftovers.delete(key);
      if (last) await this.listener(ref, false);
    }
  }

  private async sweep(): Promise<void> {
    const dead = await this.redis.zrangebyscore(keys.processes(), '-inf', Date.now() - this.deadAfterMs);
    for (const processId of dead) {
      if (processId === this.processId) continue;
      const flat = (await this.redis.eval(CLAIM_DEAD, 2, keys.processes(), keys.processSockets(processId), processId)) as string[];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const [socketId] = flat[i]!.split('|') as [string];
        const [projectId, leadId, visitorId] = flat[i + 1]!.split('|') as [string, string, string];
        const ref = { projectId, leadId, visitorId, socketId };
        if (await this.remove(processId, ref)) await this.listener(ref, false);
      }
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
