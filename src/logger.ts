/** The process's logger: JSON lines on stdout (pino; readable lines at a terminal), with secrets censored as a second line of defence. */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';
import { prettyDestination } from './ops/pretty-log.js';

/**
 * Code never logs headers, bodies, handshake `auth`, tokens or passwords; should one slip into
 * a log call anyway under one of these names, pino writes "[redacted]" instead.
 */
export const REDACTED_PATHS = [
  'authorization', '*.authorization', 'req.headers.authorization', 'req.headers.cookie', 'headers.cookie',
  'cookie', '*.cookie',
  'auth', '*.auth', 'handshake.auth',
  'token', '*.token', 'accessToken', 'refreshToken',
  'password', '*.password', 'newPassword',
  'identity', '*.identity', 'identitySecret', '*.identitySecret',
  'secret', '*.secret', 'jwtSecret', 'metricsToken', 'apiKey',
  'body', 'req.body', 'err.body',
];

/** Without a destination: human-readable lines at a terminal, JSON lines anywhere else (files, pipes, collectors). */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'pingstreams' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  const out = destination ?? (process.stdout.isTTY ? prettyDestination(process.stdout) : undefined);
  return out ? pino(options, out) : pino(options);
}
