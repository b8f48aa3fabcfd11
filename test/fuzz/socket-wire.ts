/**
 * The socket fuzz's view of the wire: which commands the namespaces have (read from
 * src/realtime/events.ts), how an ack answer is classified, and how many ack packets came back
 * for each id (so "answered exactly once" is checked on the wire, not trusted to the client).
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'socket.io-client';
import { CONTRACT_CODES } from './junk.js';

const EVENTS_SOURCE = new URL('../../src/realtime/events.ts', import.meta.url);

/** The member names of `export interface <name> … { … }` in events.ts. */
function membersOf(source: string, name: string): string[] {
  // The body ends at the first line that closes it (members may hold `{ … }` types).
  const body = new RegExp(`export interface ${name}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
  if (body === undefined) throw new Error(`events.ts has no interface ${name}`);
  return [...body.matchAll(/^\s*'?([\w:]+)'?\s*:/gm)].map((m) => m[1]!);
}

/** Every command of /visitor and of /agent, as the typed command maps declare them. */
export function declaredCommands(): { visitor: string[]; agent: string[] } {
  const source = readFileSync(EVENTS_SOURCE, 'utf8');
  const shared = membersOf(source, 'ConversationCommands');
  return { visitor: [...shared, ...membersOf(source, 'VisitorCommands')], agent: [...shared, ...membersOf(source, 'AgentCommands')] };
}

/** Events the server-side socket listens to that are not commands. */
const NOT_COMMANDS = new Set(['disconnect', 'disconnecting', 'error', 'newListener', 'removeListener']);

/** The commands a server-side socket really has handlers for. */
export function registeredCommands(serverSocket: { eventNames(): (string | symbol)[] } | undefined): string[] {
  if (!serverSocket) throw new Error('no server-side socket for that client');
  return serverSocket.eventNames().map(String).filter((name) => !NOT_COMMANDS.has(name));
}

/** The client refuses to send these names at all. */
export const CLIENT_RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

export type Verdict = { kind: 'ok' } | { kind: 'code'; code: string } | { kind: 'malformed'; answer: unknown };

/** `{ ok: true, data }` or `{ ok: false, error: { code, message } }` with a contract code; anything else is malformed. */
export function verdictOf(answer: unknown): Verdict {
  const a = answer as { ok?: unknown; data?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  if (a?.ok === true && 'data' in a) return { kind: 'ok' };
  const code = a?.error?.code;
  if (a?.ok === false && typeof code === 'string' && CONTRACT_CODES.has(code) && typeof a.error?.message === 'string' && a.error.message !== '') return { kind: 'code', code };
  return { kind: 'malformed', answer };
}

/** Ack packets received on a client socket, by ack id. */
export function countAckPackets(socket: Socket): Map<number, number> {
  const counts = new Map<number, number>();
  const namespace = (socket as unknown as { nsp: string }).nsp;
  socket.io.on('packet', (packet: { type: number; nsp: string; id?: number }) => {
    // 3: ACK, 6: BINARY_ACK.
    if ((packet.type === 3 || packet.type === 6) && packet.nsp === namespace && packet.id !== undefined) {
      counts.set(packet.id, (counts.get(packet.id) ?? 0) + 1);
    }
  });
  return counts;
}

export interface Emitted {
  /** False when the client library itself could not encode it (its own recursion limit): nothing reached the server. */
  sent: boolean;
  answered: boolean;
  answer: unknown;
}

/** Emits and waits for the ack (or the timeout). */
export function emitWithAck(socket: Socket, event: string, args: unknown[], timeoutMs: number): Promise<Emitted> {
  return new Promise((resolve) => {
    try {
      socket.timeout(timeoutMs).emit(event, ...args, (err: Error | null, answer: unknown) => resolve({ sent: true, answered: !err, answer: err ? null : answer }));
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      resolve({ sent: false, answered: false, answer: null });
    }
  });
}

/** Resolves with the disconnect reason, or null if the socket is still connected after `ms`. */
export function disconnectWithin(socket: Socket, ms: number): Promise<string | null> {
  if (!socket.connected) return Promise.resolve('not connected');
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    socket.once('disconnect', (reason: string) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}
