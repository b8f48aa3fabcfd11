/** JSON errors for everything HTTP: our AppErrors, body-parser's, unknown routes, and the unexpected. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, toAppError } from '../errors.js';
import { retryAfterSecondsOf } from '../limits/rate-limited.js';

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `No route ${req.method} ${req.path}.`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = fromBodyParser(err) ?? toAppError(err);
    // req.log carries the request id (request-log.ts); `logger` only if that middleware never ran.
    if (appError.isServerFault) (req.log ?? logger).error({ err, method: req.method, path: req.path }, 'request failed');
    const retryAfter = retryAfterSecondsOf(appError);
    if (retryAfter !== null) res.set('Retry-After', String(retryAfter));
    res.status(appError.status).json({ error: appError.toBody() });
  };
}

function fromBodyParser(err: unknown): AppError | null {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'The body is over 64 KiB.');
  if (type === 'entity.parse.failed') return new AppError('VALIDATION_FAILED', 'The body is not valid JSON.', [{ path: '', message: 'is not valid JSON' }]);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new AppError('VALIDATION_FAILED', 'Unsupported body encoding.');
  // Express could not percent-decode a path parameter (`%ZZ`, or bytes that are not UTF-8).
  if (err instanceof URIError) return new AppError('VALIDATION_FAILED', 'The path is not valid percent-encoded UTF-8.', [{ path: 'path', message: 'is not valid percent-encoded UTF-8' }]);
  return null;
}
