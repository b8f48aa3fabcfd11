/** Socket observability: a logger per socket, connect and disconnect lines, every acked command counted by its result code. */
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import type { Metrics } from '../http/metrics.js';
import { onFirstCommand } from './first-command.js';

/** The `event` label of a command no handler is registered for: its name is the client's, so unbounded. */
export const UNKNOWN_EVENT = 'unknown';

/** Each socket's logger, made on its first line: most sockets never log one (see socketLogger). */
const loggers = new WeakMap<object, Logger>();

/**
 * The logger for everything about one socket: every line carries `socketId` and `namespace`.
 * One per socket, made when first asked for (a pino child per socket at connect was memory and
 * handshake time that idle sockets never used); `logger` is the app's, the same for every call.
 */
export function socketLogger(logger: Logger, socket: { id: string; nsp: { name: string } }): Logger {
  let log = loggers.get(socket);
  if (!log) {
    log = logger.child({ socketId: socket.id, namespace: socket.nsp.name });
    loggers.set(socket, log);
  }
  return log;
}

/** `OK`, or the error code of a `{ ok: false, error }` ack (a closed set: the server builds it). */
function resultCode(response: unknown): string {
  const r = response as { ok?: unknown; error?: { code?: unknown } } | null | undefined;
  if (r?.ok === true) return 'OK';
  return typeof r?.error?.code === 'string' ? r.error.code : 'UNKNOWN';
}

/** Socket middleware: wraps the ack (the last argument of a packet) to see what the command answered. */
function countCommands(socket: Socket, metrics: Metrics, logger: Logger) {
  const namespace = socket.nsp.name;
  return (packet: unknown[], next: (err?: Error) => void) => {
    const [event] = packet;
    const ack = packet.at(-1);
    // No ack, nothing to count: a function can only be the ack socket.io appended.
    if (typeof event !== 'string' || packet.length < 2 || typeof ack !== 'function') return next();
    if (socket.listenerCount(event) === 0) {
      // ack.ts's onAny listener has already answered NOT_FOUND (it runs before middleware).
      metrics.socketCommand(namespace, UNKNOWN_EVENT, 'NOT_FOUND');
      return next();
    }
    const started = performance.now();
    packet[packet.length - 1] = (...args: unknown[]) => {
      const code = resultCode(args[0]);
      metrics.socketCommand(namespace, event, code);
      if (logger.isLevelEnabled('debug')) {
        socketLogger(logger, socket).debug({ event, code, durationMs: Math.round((performance.now() - started) * 10) / 10 }, 'socket command');
      }
      (ack as (...a: unknown[]) => void)(...args);
    };
    next();
  };
}

/**
 * Counts the sockets of `namespaces` (read at each scrape) and every acked command on them, and
 * logs connects and disconnects at debug. Registered after each namespace's auth middleware, as
 * a middleware itself; the counting middleware is installed on a socket's first command (see
 * onFirstCommand), after the drain's (src/realtime/drain.ts), as it was when both were made at connect.
 */
export function observeSockets(namespaces: Namespace[], logger: Logger, metrics: Metrics): void {
  metrics.watchNamespaces(...namespaces.map((nsp) => ({ name: nsp.name, sockets: nsp.sockets })));
  const countFromFirstCommand = onFirstCommand((socket) => socket.use(countCommands(socket, metrics, logger)));
  for (const nsp of namespaces) {
    nsp.use((socket, next) => {
      socket.onAny(countFromFirstCommand);
      next();
    });
    nsp.on('connection', (socket) => {
      if (!logger.isLevelEnabled('debug')) return;
      const log = socketLogger(logger, socket);
      const { projectId, agentId, visitorId } = socket.data as { projectId?: string; agentId?: string; visitorId?: string };
      log.debug({ projectId, ...(agentId ? { agentId } : {}), ...(visitorId ? { visitorId } : {}) }, 'socket connected');
      socket.on('disconnect', (reason) => log.debug({ reason }, 'socket disconnected'));
    });
  }
}
