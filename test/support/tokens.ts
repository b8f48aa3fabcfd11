/** Tokens forged by the test itself (expired, foreign-signed) and the code of a refused handshake. */
import { SignJWT } from 'jose';
import type { Socket } from 'socket.io-client';
import { TEST_JWT_SECRET } from './test-config.js';

/** The secret the test apps sign with (the environment's JWT_SECRET, else the test one). */
export const appSecret = () => process.env.JWT_SECRET ?? TEST_JWT_SECRET;

export interface ForgeOptions {
  secret?: string;
  /** Seconds since the epoch. */
  expiresAt?: number;
  audience?: string;
  issuer?: string;
}

/** A visitor token as the server would make it, with whatever secret and expiry the test wants. */
export function forgeVisitorToken(visitorId: string, projectId: string, options: ForgeOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ pid: projectId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(visitorId)
    .setIssuer(options.issuer ?? 'pingstreams')
    .setAudience(options.audience ?? 'pingstreams:visitor')
    .setIssuedAt(now - 7200)
    .setExpirationTime(options.expiresAt ?? now + 3600)
    .sign(new TextEncoder().encode(options.secret ?? appSecret()));
}

/** Resolves with `err.message` of the socket's `connect_error`; rejects if it connects instead. */
export function refusal(socket: Socket, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect_error within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect_error', (err: Error) => {
      clearTimeout(timer);
      resolve(err.message);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      reject(new Error('the handshake was accepted'));
    });
  });
}

/** Resolves once the socket is connected; rejects with the refusal code. */
export function accepted(socket: Socket, timeoutMs = 10_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err: Error) => {
      clearTimeout(timer);
      reject(new Error(`refused: ${err.message}`));
    });
  });
}
