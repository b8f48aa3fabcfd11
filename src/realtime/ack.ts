/** One wrapper for every socket command: validate at the edge, run, ack exactly once. */
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppError, toAppError } from '../errors.js';
import { parseInput } from '../validation.js';
import type { Ack } from './events.js';

/**
 * Builds a Socket.IO handler: the payload is parsed with `schema` (unknown keys stripped),
 * `run` gets typed input, and whatever happens the ack is called once with
 * `{ ok: true, data }` or `{ ok: false, error }`. Internal errors are logged, never leaked.
 */
export function withAck<S extends z.ZodType, T>(logger: Logger, event: string, schema: S, run: (input: z.output<S>) => Promise<T>) {
  return async (payload: unknown, ack?: unknown): Promise<void> => {
    // A client that sends no callback gets no answer; the command still must not crash us.
    const reply = typeof ack === 'function' ? (ack as (r: Ack<T>) => void) : typeof payload === 'function' ? (payload as (r: Ack<T>) => void) : () => {};
    const input = typeof payload === 'function' ? undefined : payload;
    try {
      const data = await run(parseInput(schema, input));
      reply({ ok: true, data });
    } catch (err) {
      const appError = toAppError(err);
      if (appError.isServerFault) logger.error({ err, event }, 'socket command failed');
      reply({ ok: false, error: appError.toBody() });
    }
  };
}

/** What the ack of command `E` carries, read off the typed command map `C` (see events.ts). */
type AckData<C, E extends keyof C> = C[E] extends (payload: unknown, ack: (response: Ack<infer T>) => void) => void ? T : never;

/** Registers one command of the map `C` on a socket, wrapped by withAck; the handler must return that command's ack data. */
export type Register<C> = <E extends keyof C & string, S extends z.ZodType>(event: E, schema: S, run: (input: z.output<S>) => Promise<AckData<C, E>>) => void;

interface CommandSocket {
  on(event: string, listener: (...args: any[]) => void): unknown;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
}

/**
 * The way to register a socket's commands. A command nobody registered still answers its
 * ack once (NOT_FOUND), so a client never waits for nothing.
 */
export function commandsOf<C>(socket: CommandSocket, logger: Logger): Register<C> {
  socket.onAny((event, ...args) => {
    const ack = args.at(-1);
    if (typeof ack !== 'function' || socket.listenerCount(event) > 0) return;
    ack({ ok: false, error: new AppError('NOT_FOUND', `There is no command "${event}" on this namespace.`).toBody() });
  });
  return (event, schema, run) => {
    socket.on(event, withAck(logger, event, schema, run));
  };
}
