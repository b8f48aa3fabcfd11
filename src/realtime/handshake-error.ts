/** A refused connection: the client's connect_error has err.message equal to the code. */
import type { Logger } from 'pino';
import { toAppError } from '../errors.js';

/** Our own failures (INTERNAL, UNAVAILABLE) are logged; refusals of bad credentials are not. */
export function handshakeError(err: unknown, logger: Logger, namespace: string): Error & { data: unknown } {
  const appError = toAppError(err);
  if (appError.isServerFault) logger.error({ err, namespace }, 'handshake failed');
  return Object.assign(new Error(appError.code), { data: appError.toBody() });
}
