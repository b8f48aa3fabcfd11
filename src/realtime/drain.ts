/**
 * The socket side of a graceful shutdown: once closing, new connections and new commands are
 * refused with UNAVAILABLE (the client retries them elsewhere), and the commands already
 * running are waited for, so that each of them sends its ack before the sockets close.
 */
import type { Namespace, Socket } from 'socket.io';
import { AppError } from '../errors.js';
import { onFirstCommand } from './first-command.js';

const SHUTTING_DOWN = () => new AppError('UNAVAILABLE', 'This server is shutting down; retry the same command.');

interface Running {
  done: boolean;
}

export class CommandDrain {
  private closing = false;
  private readonly running = new Set<Running>();
  private readonly namespaces: Namespace[] = [];
  private idle: (() => void) | null = null;

  /** Refuses handshakes once closing, and follows every command of the namespace's sockets. */
  attach(nsp: Namespace): void {
    this.namespaces.push(nsp);
    nsp.use((socket, next) => {
      if (this.closing) return next(Object.assign(new Error('UNAVAILABLE'), { data: SHUTTING_DOWN().toBody() }));
      socket.onAny(this.followFromFirstCommand);
      next();
    });
  }

  /** Follows a socket's commands from its first one (see onFirstCommand). */
  private readonly followFromFirstCommand = onFirstCommand((socket) => socket.use(this.follow(socket)));

  /** From now on refuse; resolves once every running command has answered, or after `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.answered(timeoutMs);
    await this.flushed(deadline);
  }

  private answered(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.idle = finish;
    });
  }

  /**
   * Acks answered in one burst (a whole group commit settles at once) wait in engine.io's write
   * buffer until the socket drains, and closing the server discards that buffer: wait for it.
   */
  private async flushed(deadline: number): Promise<void> {
    const unsent = () =>
      this.namespaces.some((nsp) => [...nsp.sockets.values()].some((s) => (s.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length > 0));
    while (unsent() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Socket middleware: wraps each command's ack to know when it has answered. */
  private follow(socket: Socket) {
    const mine = new Set<Running>();
    // A socket that goes away takes its commands' answers with it: stop waiting for them.
    socket.on('disconnect', () => {
      for (const command of mine) this.finished(command);
      mine.clear();
    });
    return (packet: unknown[], next: (err?: Error) => void) => {
      const [event] = packet;
      const ack = packet.at(-1);
      const hasAck = packet.length >= 2 && typeof ack === 'function';
      if (this.closing) {
        // Not run at all, so never half done: the client may safely send it again.
        if (hasAck) (ack as (response: unknown) => void)({ ok: false, error: SHUTTING_DOWN().toBody() });
        return;
      }
      // Without an ack nothing waits for an answer; an unknown command was answered already (ack.ts).
      if (!hasAck || typeof event !== 'string' || socket.listenerCount(event) === 0) return next();
      const command: Running = { done: false };
      mine.add(command);
      this.running.add(command);
      packet[packet.length - 1] = (...args: unknown[]) => {
        (ack as (...a: unknown[]) => void)(...args);
        mine.delete(command);
        this.finished(command);
      };
      next();
    };
  }

  private finished(command: Running): void {
    if (command.done) return;
    command.done = true;
    this.running.delete(command);
    if (this.closing && this.running.size === 0) this.idle?.();
  }
}
