/** Fixtures for the REST tests: error assertions, leads and conversations made the way visitors make them, forged tokens. */
import { expect } from 'chai';
import { SignJWT } from 'jose';
import type { ApiResponse } from './clients.js';
import { ok } from './clients.js';
import type { TestApp } from './start-app.js';
import { TEST_JWT_SECRET } from './test-config.js';

export const LEAD_KEYS = [
  'id', 'projectId', 'visitorIds', 'externalId', 'fullname', 'firstName', 'lastName',
  'email', 'phone', 'attributes', 'tags', 'verified', 'lastSeenAt', 'createdAt', 'updatedAt',
];
/** The contract's Conversation; the server adds `attributes` (set at `conversation:start`). */
export const CONVERSATION_KEYS = [
  'id', 'projectId', 'leadId', 'status', 'assigneeId', 'firstText', 'lastSeq', 'visitorLastReadSeq',
  'agentLastReadSeq', 'createdAt', 'updatedAt', 'closedAt', 'rating',
];
export const MESSAGE_KEYS = ['id', 'conversationId', 'seq', 'clientMessageId', 'sender', 'text', 'attributes', 'private', 'createdAt'];
export const MEMBER_KEYS = ['id', 'email', 'fullname', 'role', 'presence', 'maxConcurrent', 'openConversations'];

/** Asserts the contract's error answer: the status, `{ error: { code, message, details? } }` and nothing else. */
export function expectError(res: ApiResponse, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers.get('content-type') ?? '').to.include('application/json');
  expect(res.body).to.have.all.keys('error');
  expect(res.body.error.code).to.equal(code);
  expect(res.body.error.message).to.be.a('string').and.not.empty;
  const extra = Object.keys(res.body.error).filter((k) => !['code', 'message', 'details'].includes(k));
  expect(extra).to.deep.equal([]);
}

/** The `path`s named in a VALIDATION_FAILED answer, after checking each detail is `{ path, message }`. */
export function detailPaths(res: ApiResponse): string[] {
  expectError(res, 400, 'VALIDATION_FAILED');
  const details = res.body.error.details as { path: unknown; message: unknown }[];
  expect(details).to.be.an('array').and.not.empty;
  for (const d of details) {
    expect(d).to.have.all.keys('path', 'message');
    expect(d.path).to.be.a('string');
    expect(d.message).to.be.a('string').and.not.empty;
  }
  return details.map((d) => d.path as string);
}

/** A new anonymous visitor who fills in the pre-chat form: the lead is created the way the widget creates it. */
export async function visitorLead(t: TestApp, projectId: string, fields: Record<string, unknown>) {
  const visitor = await t.connectVisitor(projectId);
  const lead = await ok(visitor.socket, 'lead:update', fields);
  return { visitor, lead };
}

/** A visitor's lead with one conversation started by `text` (message seq 1). */
export async function visitorConversation(t: TestApp, projectId: string, text = 'Hello, I need help', fields: Record<string, unknown> = { fullname: 'Vera Visitor' }) {
  const { visitor, lead } = await visitorLead(t, projectId, fields);
  const conversation = await ok(visitor.socket, 'conversation:start', { text });
  return { visitor, lead, conversation };
}

/** A token signed with the test secret, for forging expired or wrong-audience tokens. */
export function forgeToken(options: { sub: string; audience: string; expiresAt: number; issuedAt?: number; claims?: Record<string, unknown> }): Promise<string> {
  return new SignJWT(options.claims ?? {})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.sub)
    .setIssuer('pingstreams')
    .setAudience(options.audience)
    .setIssuedAt(options.issuedAt ?? options.expiresAt - 3600)
    .setExpirationTime(options.expiresAt)
    .sign(new TextEncoder().encode(process.env.JWT_SECRET ?? TEST_JWT_SECRET));
}

/** Whole seconds since the epoch. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);
