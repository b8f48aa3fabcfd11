/** Our own tokens, signed and verified with node:crypto: exactly what jose accepts for them, nothing more. */
import { expect } from 'chai';
import { SignJWT, jwtVerify, UnsecuredJWT } from 'jose';
import { Tokens } from '../../src/auth/tokens.js';
import { AppError } from '../../src/errors.js';

const SECRET = 'tokens-test-secret-0123456789abcdefghijklmnop';
const key = new TextEncoder().encode(SECRET);
const tokens = new Tokens({ secret: SECRET, agentTtlSeconds: 3600, visitorTtlSeconds: 3600 });
const VISITOR = '0b0f3e4c-7a52-4a0e-9c55-2f4a7e1d9b10';
const PROJECT = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
const now = () => Math.floor(Date.now() / 1000);

/** A visitor token made by jose, as the server made them before, with whatever the test changes. */
function joseToken(options: { alg?: string; secret?: string; audience?: string; issuer?: string; exp?: number; nbf?: number; sub?: string | null } = {}) {
  const jwt = new SignJWT({ pid: PROJECT })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuer(options.issuer ?? 'pingstreams')
    .setAudience(options.audience ?? 'pingstreams:visitor')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 600);
  if (options.sub !== null) jwt.setSubject(options.sub ?? VISITOR);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function refused(token: unknown): Promise<string> {
  try {
    await tokens.verifyVisitor(token);
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return (err as AppError).code;
  }
  throw new Error(`accepted: ${String(token)}`);
}

describe('tokens', () => {
  it('verifies what it signs, and jose verifies it too (same bytes as SignJWT)', async () => {
    const token = await tokens.signVisitor(VISITOR, PROJECT);
    expect(await tokens.verifyVisitor(token)).to.deep.equal({ visitorId: VISITOR, projectId: PROJECT });
    const { payload } = await jwtVerify(token, key, { issuer: 'pingstreams', audience: 'pingstreams:visitor', algorithms: ['HS256'] });
    expect(payload.sub).to.equal(VISITOR);
    const agent = await tokens.signAgent(VISITOR);
    const claims = await tokens.verifyAgent(agent);
    expect(claims.agentId).to.equal(VISITOR);
    expect(claims.expiresAt).to.be.within(now() + 3590, now() + 3600);
  });

  it('accepts a token jose signed the same way (tokens handed out before, and the tests’ forgeries)', async () => {
    expect(await tokens.verifyVisitor(await joseToken())).to.deep.equal({ visitorId: VISITOR, projectId: PROJECT });
  });

  it('refuses every token that is not ours, not for this audience, or no longer valid: UNAUTHENTICATED', async () => {
    const good = await joseToken();
    const [header, payload, signature] = good.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ pid: PROJECT, sub: 'someone-else', iss: 'pingstreams', aud: 'pingstreams:visitor', exp: now() + 600 })).toString('base64url');
    const cases: Record<string, unknown> = {
      'another secret': await joseToken({ secret: 'another-secret-0123456789abcdefghijklmnopqrs' }),
      'another algorithm (HS512, right secret)': await joseToken({ alg: 'HS512' }),
      'alg none': new UnsecuredJWT({ pid: PROJECT, sub: VISITOR, iss: 'pingstreams', aud: 'pingstreams:visitor', exp: now() + 600 }).encode(),
      'a payload swapped under the signature': `${header}.${otherPayload}.${signature}`,
      'a truncated signature': `${header}.${payload}.${signature!.slice(0, 20)}`,
      'no signature': `${header}.${payload}.`,
      'an agent token': await tokens.signAgent(VISITOR),
      'another issuer': await joseToken({ issuer: 'someone' }),
      'expired a minute ago': await joseToken({ exp: now() - 60 }),
      'expiring this second': await joseToken({ exp: now() }),
      'not valid before a minute from now': await joseToken({ nbf: now() + 60 }),
      'no subject': await joseToken({ sub: null }),
      'four parts': `${good}.x`,
      garbage: 'not.a.token',
      empty: '',
      'not a string': 42,
    };
    for (const [name, token] of Object.entries(cases)) expect(await refused(token), name).to.equal('UNAUTHENTICATED');
  });

  it('accepts nbf already reached, and an audience given as a list that holds ours', async () => {
    expect(await tokens.verifyVisitor(await joseToken({ nbf: now() - 5 }))).to.deep.equal({ visitorId: VISITOR, projectId: PROJECT });
    const listed = await new SignJWT({ pid: PROJECT })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(VISITOR)
      .setIssuer('pingstreams')
      .setAudience(['elsewhere', 'pingstreams:visitor'])
      .setExpirationTime(now() + 600)
      .sign(key);
    expect(await tokens.verifyVisitor(listed)).to.deep.equal({ visitorId: VISITOR, projectId: PROJECT });
  });
});
