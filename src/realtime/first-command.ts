/** Per-socket machinery made on a socket's first command instead of at connect. */
import type { Socket } from 'socket.io';

/**
 * An onAny listener that runs `install(socket)` on the socket's first command and then removes
 * itself. Most widget sockets never send a command, and per-socket middleware made at connect
 * (a closure, its state, a disconnect listener) was memory every idle socket held (issue 9).
 * One listener serves every socket: Socket.IO calls onAny listeners with the socket as `this`,
 * as a packet arrives and before the socket's middleware runs, so middleware installed here
 * (`socket.use`) already sees the command that installed it. Listeners run in the order they
 * were added, so middleware installed this way keeps the order of the `onAny` calls.
 */
export function onFirstCommand(install: (socket: Socket) => void): (this: Socket) => void {
  return function installOnce(this: Socket) {
    this.offAny(installOnce);
    install(this);
  };
}
