/**
 * The widget's socket to /visitor: WebSocket only, the token from storage at every handshake,
 * and a connection that comes back by itself whatever dropped it (network, a server restart,
 * the server closing it, a refused handshake that may work later).
 */
import { io, type Socket } from 'socket.io-client';
import type { SessionPayload } from '../shared/protocol.js';
import type { TokenStorage } from './token-storage.js';

export interface ConnectionEvents {
  session(session: SessionPayload): void;
  disconnected(): void;
  /** The project does not exist (the script tag names a wrong one): nothing to retry. */
  refused(): void;
}

/** After a refusal that may pass later (UNAVAILABLE, RATE_LIMITED), or a server that closed us. */
const RETRY_HANDSHAKE_MS = 3_000;

export function connectVisitor(server: string, projectId: string, tokens: TokenStorage, on: ConnectionEvents): Socket {
  const socket = io(`${server}/visitor`, {
    transports: ['websocket'],
    // Read at every (re)connect: the newest token the server gave, or none for a new visitor.
    auth: (cb) => cb(tokens.get() ? { projectId, token: tokens.get() } : { projectId }),
    reconnectionDelay: 500,
    reconnectionDelayMax: 4_000,
  });

  socket.on('session', (session: SessionPayload) => {
    // Re-signed on every connect: keeping the newest keeps the visitor alive as long as it returns.
    tokens.set(session.token);
    on.session(session);
  });

  socket.on('disconnect', (reason) => {
    on.disconnected();
    // The server closed this socket on purpose (shutdown, erasure): socket.io leaves it closed.
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), RETRY_HANDSHAKE_MS / 3);
  });

  socket.on('connect_error', (err) => {
    // A transport failure: socket.io keeps trying by itself.
    if (socket.active) return;
    on.disconnected();
    if (err.message === 'NOT_FOUND') return on.refused();
    if (err.message === 'UNAUTHENTICATED') {
      // The stored token expired, was erased, or belongs elsewhere: start as a new visitor.
      tokens.clear();
      socket.connect();
      return;
    }
    setTimeout(() => socket.connect(), RETRY_HANDSHAKE_MS);
  });

  return socket;
}
