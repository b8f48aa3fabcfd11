/** Agent and visitor tokens: HS256 JWTs with distinct audiences and an expiry. */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { AppError } from '../errors.js';

const ISSUER = 'pingstreams';
const AGENT_AUDIENCE = 'pingstreams:agent';
const VISITOR_AUDIENCE = 'pingstreams:visitor';
/** The protected header of every token we sign, `{"alg":"HS256"}`, base64url-encoded once. */
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

export interface AgentClaims {
  agentId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface VisitorClaims {
  visitorId: string;
  projectId: string;
}

export interface TokenOptions {
  secret: string;
  agentTtlSeconds: number;
  visitorTtlSeconds: number;
}

export class Tokens {
  /** The secret as a KeyObject, made once: HMAC with it skips copying the key per token. */
  private readonly signingKey: KeyObject;

  constructor(private readonly options: TokenOptions) {
    this.signingKey = createSecretKey(new TextEncoder().encode(options.secret));
  }

  signAgent(agentId: string): Promise<string> {
    return this.sign({}, agentId, AGENT_AUDIENCE, this.options.agentTtlSeconds);
  }

  async verifyAgent(token: unknown): Promise<AgentClaims> {
    const payload = await this.verify(token, AGENT_AUDIENCE);
    return { agentId: payload.sub, expiresAt: payload.exp };
  }

  signVisitor(visitorId: string, projectId: string): Promise<string> {
    return this.sign({ pid: projectId }, visitorId, VISITOR_AUDIENCE, this.options.visitorTtlSeconds);
  }

  async verifyVisitor(token: unknown): Promise<VisitorClaims> {
    const payload = await this.verify(token, VISITOR_AUDIENCE);
    if (typeof payload.pid !== 'string') throw new AppError('UNAUTHENTICATED', 'Malformed token.');
    return { visitorId: payload.sub, projectId: payload.pid };
  }

  /**
   * Signed with node:crypto's HMAC directly: jose's SignJWT goes through WebCrypto (a key import
   * and a thread-pool job per token), about a fifth of an anonymous handshake's CPU in the bench.
   * The bytes are the same as SignJWT's (same header, claims in the same order).
   */
  private async sign(claims: Record<string, unknown>, subject: string, audience: string, ttlSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...claims, sub: subject, iss: ISSUER, aud: audience, iat: now, exp: now + ttlSeconds };
    const input = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${input}.${createHmac('sha256', this.signingKey).update(input).digest('base64url')}`;
  }

  /**
   * Verified with node:crypto as well, synchronously: jose verifies through WebCrypto, whose HMAC
   * is a thread-pool job and a wake-up of the event loop — 0.2–0.9 ms of a REST request's ~2.5 ms
   * on the bench machine (issue 9), and every agent request and returning visitor pays it. Only
   * tokens this class signed are accepted: our exact header (so no other `alg`, no `none`), our
   * signature (compared in constant time), our issuer, the audience asked for, a subject, an
   * expiry not yet reached (jose's rule: expired at `exp`), and `nbf` if present. Identity tokens,
   * signed by a customer's backend, still go through jose (src/contacts/identity.ts).
   */
  private async verify(token: unknown, audience: string): Promise<{ sub: string; exp: number; [k: string]: unknown }> {
    if (typeof token !== 'string' || token.length === 0) throw new AppError('UNAUTHENTICATED', 'A token is required.');
    const payload = this.claimsOf(token);
    const now = Math.floor(Date.now() / 1000);
    const audienceOk = payload?.aud === audience || (Array.isArray(payload?.aud) && payload.aud.includes(audience));
    const valid =
      payload !== null &&
      payload.iss === ISSUER &&
      audienceOk &&
      typeof payload.sub === 'string' &&
      typeof payload.exp === 'number' &&
      payload.exp > now &&
      (payload.nbf === undefined || (typeof payload.nbf === 'number' && payload.nbf <= now));
    if (!valid) throw new AppError('UNAUTHENTICATED', 'The token is malformed, expired or not for this audience.');
    return payload as { sub: string; exp: number };
  }

  /** The claims of a token whose header and signature are ours, else null. */
  private claimsOf(token: string): Record<string, unknown> | null {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return null;
    const expected = createHmac('sha256', this.signingKey).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2]!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
      return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }
}
