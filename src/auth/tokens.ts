/** Agent and visitor tokens: HS256 JWTs with distinct audiences and an expiry. */
import { SignJWT, jwtVerify } from 'jose';
import { AppError } from '../errors.js';

const ISSUER = 'pingstreams';
const AGENT_AUDIENCE = 'pingstreams:agent';
const VISITOR_AUDIENCE = 'pingstreams:visitor';

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
  private readonly key: Uint8Array;

  constructor(private readonly options: TokenOptions) {
    this.key = new TextEncoder().encode(options.secret);
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

  private sign(claims: Record<string, unknown>, subject: string, audience: string, ttlSeconds: number): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject)
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key);
  }

  private async verify(token: unknown, audience: string): Promise<{ sub: string; exp: number; [k: string]: unknown }> {
    if (typeof token !== 'string' || token.length === 0) throw new AppError('UNAUTHENTICATED', 'A token is required.');
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw new Error('missing claims');
      return payload as { sub: string; exp: number };
    } catch {
      throw new AppError('UNAUTHENTICATED', 'The token is malformed, expired or not for this audience.');
    }
  }
}
