/** The one answer of every abuse limit: RATE_LIMITED, saying when to retry. */
import { AppError } from '../errors.js';

export interface RetryAfter {
  /** Milliseconds until a retry would be admitted. */
  retryAfterMs: number;
  /** The same, in whole seconds rounded up, as in the HTTP `Retry-After` header. */
  retryAfterSeconds: number;
}

export function rateLimited(message: string, retryAfterMs: number): AppError {
  const ms = Math.max(1, Math.ceil(retryAfterMs));
  const details: RetryAfter = { retryAfterMs: ms, retryAfterSeconds: Math.ceil(ms / 1000) };
  return new AppError('RATE_LIMITED', message, details);
}

/** The seconds to put in a `Retry-After` header, if `error` is a RATE_LIMITED that says so. */
export function retryAfterSecondsOf(error: AppError): number | null {
  if (error.code !== 'RATE_LIMITED') return null;
  const seconds = (error.details as Partial<RetryAfter> | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' ? seconds : null;
}
