/** One wrapper for every socket command: validate at the edge, run, ack exactly once. */
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppError, toAppError } from '../errors.js';
import { rateLimited } from '../limits/rate-limited.js';
import type { Refusal, TokenBucket } from '../limits/token-bucket.js';
import { parseInput } from '../validation.js';
import type { Ack } from './events.js';
import { socketLogger } from './observe-sockets.js';

/** RATE_LIMIT_SOCKET: past it a command is answered, not run, and the socket stays connected. */
const tooManyCommands = (refusal: Refusal) =>
  rateLimited(`Too many commands on this socket; retry in ${refusal.retryAfterMs} ms.`, refusal.retryAfterMs);

/**
 * Builds a Socket.IO handler: the payload is parsed with `schema` (unknown keys stripped),
 * `run` gets typed input, and whatever happens the ack is called once with
 * `{ ok: true, data }` or `{ ok: false, error }`. Internal errors are logged, never leaked.
 * With a `limiter` (the socket's bucket) a command over the rate is answered RATE_LIMITED and
 * not run; the decision is taken synchronously, so admitted commands keep their order.
 */
export function withAck<S extends z.ZodType, T>(
  logger: Logger,
  event: string,
  schema: S,
  run: (input: z.output<S>) => Promise<T>,
  limiter: TokenBucket | null = null,
) {
  return async (...args: unknown[]): Promise<void> => {
    // The ack is the last argument, whatever comes before it (Socket.IO's rule; a client may
    // send extra arguments). A client that sends no callback gets no answer; the command
    // still must not crash us.
    const [payload] = args;
    const ack = args.at(-1);
    const reply = typeof ack === 'function' ? (ack as (r: Ack<T>) => void) : () => {};
    const refusal = limiter?.take();
    if (refusal) {
      reply({ ok: false, error: tooManyCommands(refusal).toBody() });
      return;
    }
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
  id: string;
  nsp: { name: string };
  on(event: string, listener: (...args: any[]) => void): unknown;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
}

/** What commandsOf needs of the app's dependencies: the logger, and RATE_LIMIT_SOCKET's buckets. */
interface CommandDeps {
  logger: Logger;
  limits: { socketCommands(): TokenBucket | null };
}

/**
 * Gives a socket its commands, and the one place where RATE_LIMIT_SOCKET applies: every command
 * of the socket, known or not, takes a token from its bucket (`deps.limits.socketCommands()`,
 * null when off). The bucket lives in this process with the socket: a socket never moves
 * between processes, so there is nothing to share through Redis. A command nobody registered
 * still answers its ack once (NOT_FOUND, or RATE_LIMITED past the rate), so a client never
 * waits for nothing.
 *
 * `define` runs on the socket's first command, not at connect: most widget sockets stay idle
 * for their whole life, and their handlers (two closures per command) were a third of the heap
 * an idle socket held (issue 9). The client sees no difference: Socket.IO calls onAny listeners
 * as a packet arrives, before the socket's middleware, and emits to the regular listeners a tick
 * later, so the handlers defined here hear the very command that made them. A bucket made then
 * starts full, as one made at connect would be by then.
 */
export function commandsOf<C>(socket: CommandSocket, deps: CommandDeps, define: (on: Register<C>) => void): void {
  // Not listenerCount: a name Socket.IO itself listens to ('error') is no command either.
  let registered: Set<string> | null = null;
  let bucket: TokenBucket | null = null;
  socket.onAny((event, ...args) => {
    if (!registered) {
      const known = (registered = new Set<string>());
      const logger = socketLogger(deps.logger, socket);
      bucket = deps.limits.socketCommands();
      define((name, schema, run) => {
        known.add(name);
        socket.on(name, withAck(logger, name, schema, run, bucket));
      });
    }
    if (registered.has(event)) return; // withAck takes its token
    const refusal = bucket?.take();
    const ack = args.at(-1);
    if (typeof ack !== 'function') return;
    const error = refusal ? tooManyCommands(refusal) : new AppError('NOT_FOUND', `There is no command "${String(event).slice(0, 100)}" on this namespace.`);
    ack({ ok: false, error: error.toBody() });
  });
}
