/** The one error type: a closed set of codes, one body shape for HTTP and socket acks. */

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CONVERSATION_CLOSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** Our failure, not the caller's (INTERNAL, UNAVAILABLE): worth an error log line. */
  get isServerFault(): boolean {
    return this.status >= 500;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Error codes from node-postgres / PGlite and socket errors that mean "the store is unreachable". */
const UNAVAILABLE_PG_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '53300']);
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/**
 * Turns anything thrown into an AppError. Unknown errors become INTERNAL with a generic
 * message (internals never leak); the caller logs the original.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  // A full disk (PostgreSQL's disk_full, the embedded guard's refusal, ENOSPC from the OS) or a
  // failing one: nothing the caller did; the same command succeeds once space is freed.
  if (code === '53100' || code === '58030' || code === 'ENOSPC' || code === 'EIO') {
    return new AppError('UNAVAILABLE', "The server's disk is full or failing; retry the same command later.");
  }
  if (
    UNAVAILABLE_PG_CODES.has(code) ||
    UNAVAILABLE_ERRNO.has(code) ||
    e?.name === 'KnexTimeoutError' ||
    e?.name === 'MaxRetriesPerRequestError' ||
    // node-postgres' words for a lost connection (a ROLLBACK on it says "is not queryable");
    // the last two are ioredis's own words for a Redis that is away or does not answer in time.
    /Connection terminated|Connection is closed|connect ECONNREFUSED|Query read timeout|is not queryable|Command timed out|Stream isn't writeable/.test(message)
  ) {
    return new AppError('UNAVAILABLE', 'A backing service is unavailable; retry the same command.');
  }
  return new AppError('INTERNAL', 'Something went wrong on our side.');
}
