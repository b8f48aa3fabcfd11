/**
 * The heartbeat of a Redis presence store (agents' and visitors' each have one, under their own
 * keys): this process beats into a ZSET, survivors sweep a process that stopped beating, and
 * after a Redis outage the store writes again what did not reach Redis. The store says what its
 * sockets are; this file says when to write them, to clean up, and to sweep.
 *
 * Six beats per TTL; a process silent for four beats is dead, and the next sweep (at most one
 * beat later) takes its sockets: within the TTL.
 */
import type { Redis } from 'ioredis';

/** The keys a heartbeat needs: the ZSET of processes and each process's HASH of sockets. */
export interface HeartbeatKeys {
  processes(): string;
  processSockets(processId: string): string;
}

/** What a store does at a beat. */
export interface HeartbeatWork {
  /** Redis lacks this process's sockets (we were swept while alive, Redis restarted empty, or a write failed): write them again. */
  reregister(): Promise<void>;
  /** Removes, and tells about, the sockets that left while Redis did not answer. */
  removeLeftovers(): Promise<void>;
  /** Removes, and tells about, the sockets of a dead process this one claimed (its HASH's field/value pairs). */
  removeDead(processId: string, sockets: [field: string, value: string][]): Promise<void>;
}

// KEYS: processes, processSockets; ARGV: processId. Only the sweeper that removes the process gets its sockets.
const CLAIM_DEAD = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return {} end
local sockets = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
return sockets`;

export class ProcessHeartbeat {
  private readonly beatMs: number;
  private readonly deadAfterMs: number;
  /** A write of a local socket did not reach Redis: write them all again at the next beat. */
  private unsynced = false;
  /** The last beat failed; when one succeeds again the outage is over. */
  private redisDown = false;
  private outageEndedAt = 0;
  private ticking = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly onReady = () => void this.tick();

  constructor(
    private readonly redis: Redis,
    private readonly keys: HeartbeatKeys,
    readonly processId: string,
    ttlSeconds: number,
    private readonly work: HeartbeatWork,
  ) {
    this.beatMs = Math.max(250, Math.floor((ttlSeconds * 1000) / 6));
    this.deadAfterMs = this.beatMs * 4;
  }

  markUnsynced(): void {
    this.unsynced = true;
  }

  start(): void {
    // Back from an outage: heal at once rather than at the next beat.
    this.redis.on('ready', this.onReady);
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.beatMs);
    this.timer.unref();
  }

  /** No more beats. The store says goodbye for its sockets, then calls leave() if none is left in Redis. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.redis.off('ready', this.onReady);
  }

  /** Leaves the set of processes. Only once Redis holds none of our sockets: leaving would hide them from the survivors' sweep. */
  async leave(): Promise<void> {
    await this.redis.zrem(this.keys.processes(), this.processId).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const added = await this.redis.zadd(this.keys.processes(), Date.now(), this.processId);
      if (this.redisDown) this.outageEndedAt = Date.now();
      this.redisDown = false;
      if (Number(added) === 1 || this.unsynced) {
        this.unsynced = false;
        await this.work.reregister();
      }
      await this.work.removeLeftovers();
      // After an outage every process needs a beat or two to heartbeat again: sweeping before
      // that would take live processes' sockets away (a flap), so wait as long as a death takes.
      if (Date.now() - this.outageEndedAt >= this.deadAfterMs) await this.sweep();
    } catch {
      // Redis is away; the next beat (or its coming back) tries again.
      this.redisDown = true;
    } finally {
      this.ticking = false;
    }
  }

  private async sweep(): Promise<void> {
    const dead = await this.redis.zrangebyscore(this.keys.processes(), '-inf', Date.now() - this.deadAfterMs);
    for (const processId of dead) {
      if (processId === this.processId) continue;
      const flat = (await this.redis.eval(CLAIM_DEAD, 2, this.keys.processes(), this.keys.processSockets(processId), processId)) as string[];
      const sockets: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) sockets.push([flat[i]!, flat[i + 1]!]);
      await this.work.removeDead(processId, sockets);
    }
  }
}
