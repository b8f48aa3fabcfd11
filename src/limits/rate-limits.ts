/**
 * The contract's abuse limits, built once per process: failed logins per email and per client
 * IP, new anonymous visitors per client IP, commands per socket. Each is off at 0.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { rateLimitKeyPrefix, type RateLimitCounter } from '../presence/keys.js';
import { rateLimited } from './rate-limited.js';
import { TokenBucket } from './token-bucket.js';

const LOGIN_WINDOW_SECONDS = 15 * 60;
const HANDSHAKE_WINDOW_SECONDS = 60;
/** A Redis slower than this is treated as down for this one decision (the in-memory count decides). */
const REDIS_DECISION_TIMEOUT_MS = 500;

/** A login attempt that was counted before the password was checked (so parallel guesses count too). */
export interface LoginAttempt {
  /** The attempt did not fail (right password, or our own error): give its point back. */
  uncount(): Promise<void>;
}

const NOT_COUNTED: LoginAttempt = { uncount: async () => {} };

export class RateLimits {
  private readonly loginByIp: RateLimiterAbstract | null;
  private readonly loginByEmail: RateLimiterAbstract | null;
  private readonly handshakeByIp: RateLimiterAbstract | null;

  /**
   * @param redis with it the counts are shared by every process (RateLimiterRedis); while it is
   * unreachable or slow each process counts alone in memory (the insurance limiter) — limits get
   * looser by the number of processes, requests never fail because of it.
   */
  constructor(
    private readonly limits: Config['rateLimits'],
    redis: Redis | null,
    private readonly logger: Logger,
  ) {
    const counter = (name: RateLimitCounter, points: number, duration: number) => (points > 0 ? buildCounter(name, points, duration, redis) : null);
    this.loginByIp = counter('login-ip', limits.login, LOGIN_WINDOW_SECONDS);
    this.loginByEmail = counter('login-email', limits.login, LOGIN_WINDOW_SECONDS);
    this.handshakeByIp = counter('handshake-ip', limits.handshake, HANDSHAKE_WINDOW_SECONDS);
  }

  /**
   * Counts a login attempt against the client IP, then the email; RATE_LIMITED once either has
   * had RATE_LIMIT_LOGIN failures in 15 minutes. The IP goes first so that one address cannot
   * fill memory or Redis with counters for endless made-up emails.
   */
  async beginLogin(email: string, ip: string): Promise<LoginAttempt> {
    if (!this.loginByIp || !this.loginByEmail) return NOT_COUNTED;
    const message = 'Too many failed logins; retry later.';
    const byIp = this.loginByIp;
    const byEmail = this.loginByEmail;
    const emailKey = email.trim().toLowerCase();
    await this.consume(byIp, ip, message);
    try {
      await this.consume(byEmail, emailKey, message);
    } catch (err) {
      await this.giveBack(byIp, ip);
      throw err;
    }
    return { uncount: () => Promise.all([this.giveBack(byIp, ip), this.giveBack(byEmail, emailKey)]).then(() => {}) };
  }

  /** One new anonymous visitor from `ip`; RATE_LIMITED past RATE_LIMIT_HANDSHAKE a minute. */
  async mintVisitor(ip: string): Promise<void> {
    if (this.handshakeByIp) await this.consume(this.handshakeByIp, ip, 'Too many new visitors from this address; retry later.');
  }

  /** A bucket for one socket's commands (it lives and dies with the socket), or null when off. */
  socketCommands(): TokenBucket | null {
    return this.limits.socket > 0 ? new TokenBucket(this.limits.socket) : null;
  }

  /** One point, or RATE_LIMITED. A limiter that fails for another reason lets the request through. */
  private async consume(counter: RateLimiterAbstract, key: string, message: string): Promise<void> {
    try {
      await counter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw rateLimited(message, err.msBeforeNext);
      this.logger.warn({ err }, 'rate limiter failed; the request goes through');
    }
  }

  private async giveBack(counter: RateLimiterAbstract, key: string): Promise<void> {
    await counter.reward(key).catch((err: unknown) => this.logger.warn({ err }, 'rate limiter reward failed'));
  }
}

/** In memory without Redis; with it, in Redis with a per-process memory count as insurance. */
function buildCounter(name: RateLimitCounter, points: number, duration: number, redis: Redis | null): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix: name, points, duration });
  if (!redis) return memory;
  const shared = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: rateLimitKeyPrefix(name),
    points,
    duration,
    // Not connected: decide in memory at once instead of waiting for reconnect attempts.
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
  // Connected but not answering (a stalled link): the wrapper gives up and the insurance decides.
  return new RLWrapperTimeouts({ limiter: shared, timeoutMs: REDIS_DECISION_TIMEOUT_MS });
}
