/** Fixtures for the abuse-limit tests: fresh client addresses, logins and new visitors from them, the 429 answer. */
import { randomInt } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import type { TestApp } from './start-app.js';
import { api, type ApiResponse } from './clients.js';
import { expectError } from './rest-fixtures.js';

/**
 * A fresh client address per use (the 198.18.0.0/15 benchmark range), sent as X-Forwarded-For
 * to apps with TRUST_PROXY=1: with Redis the counters outlive the test app and other runs share
 * that Redis, so no test counts on 127.0.0.1.
 */
export const freshIp = () => `198.${18 + randomInt(2)}.${randomInt(256)}.${randomInt(1, 255)}`;

export const WRONG_PASSWORD = 'not the password';

export const login = (t: TestApp, email: string, password: string, forwardedFor: string) =>
  api(t.url, 'POST', '/v1/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': forwardedFor } });

export const anonymous = (t: TestApp, projectId: string, forwardedFor: string) =>
  api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId }, headers: { 'x-forwarded-for': forwardedFor } });

export const visitorFrom = (t: TestApp, projectId: string, forwardedFor: string, token?: string) =>
  t.rawSocket('/visitor', { projectId, ...(token ? { token } : {}) }, { extraHeaders: { 'x-forwarded-for': forwardedFor } });

/** How a handshake ended: its session, or the refusal's message and data. */
export function outcome(socket: Socket): Promise<{ session?: any; refused?: string; data?: any }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no session and no connect_error within 10 s')), 10_000);
    socket.once('session', (session) => {
      clearTimeout(timer);
      resolve({ session });
    });
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      clearTimeout(timer);
      resolve({ refused: err.message, data: err.data });
    });
  });
}

/** A 429 as the contract says: RATE_LIMITED, when to retry in `details`, and the same in Retry-After. */
export function expectRateLimited(res: ApiResponse, windowSeconds: number): void {
  expectError(res, 429, 'RATE_LIMITED');
  const { retryAfterMs, retryAfterSeconds } = res.body.error.details;
  expect(retryAfterSeconds).to.be.a('number').within(1, windowSeconds);
  expect(retryAfterMs).to.be.a('number').within((retryAfterSeconds - 1) * 1000, retryAfterSeconds * 1000);
  expect(res.headers.get('retry-after')).to.equal(String(retryAfterSeconds));
}

/** A project to open visitors in. */
export async function projectOf(t: TestApp, token: string): Promise<string> {
  const res = await api(t.url, 'POST', '/v1/projects', { token, body: { name: 'Shop' } });
  if (res.status !== 201) throw new Error(`project failed: ${res.status}`);
  return res.body.id;
}
