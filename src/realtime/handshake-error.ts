/** A refused connection: the client's connect_error has err.message equal to the code. */
import { AppError, toAppError } from '../errors.js';

export function handshakeError(err: unknown): Error & { data: unknown } {
  const appError = err instanceof AppError ? err : toAppError(err);
  return Object.assign(new Error(appError.code), { data: appError.toBody() });
}
