/**
 * What every command-line tool here shares: exit codes (0 done, 1 the caller must change
 * something — usage, validation, a refusal — 2 unexpected), errors as one clear message
 * (JSON with --json), and results as text or JSON.
 */
import { ConfigError } from '../config.js';
import { AppError } from '../errors.js';
import { StartRefusedError } from '../db/data-dir-lock.js';
import { MissingToolError, ToolFailedError } from '../backup/postgres.js';
import { describeOutage } from '../ops/describe-outage.js';

/** Wrong or missing arguments; the message says what to type instead. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Something the operator must do first (stop the server, pick another file…). */
export class RefusedError extends Error {
  override name = 'RefusedError';
}

export const EXIT = { ok: 0, usage: 1, unexpected: 2 } as const;

interface Failure {
  exitCode: number;
  body: { code: string; message: string; details?: unknown };
}

function classify(err: unknown): Failure {
  if (err instanceof AppError) return { exitCode: err.isServerFault ? EXIT.unexpected : EXIT.usage, body: err.toBody() };
  if (err instanceof UsageError) return { exitCode: EXIT.usage, body: { code: 'USAGE', message: err.message } };
  if (err instanceof ConfigError) return { exitCode: EXIT.usage, body: { code: 'CONFIG', message: err.message } };
  if (err instanceof RefusedError || err instanceof StartRefusedError || err instanceof MissingToolError) {
    return { exitCode: EXIT.usage, body: { code: 'REFUSED', message: err.message } };
  }
  if (err instanceof ToolFailedError) return { exitCode: EXIT.unexpected, body: { code: 'TOOL_FAILED', message: err.message } };
  const outage = describeOutage(err);
  if (outage) return { exitCode: EXIT.unexpected, body: { code: 'UNAVAILABLE', message: outage } };
  return { exitCode: EXIT.unexpected, body: { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err) } };
}

/** Validation issues name the flag they are about: `--email: must be an email address`. */
function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.map((d: { path?: string; message?: string }) => `  ${d.path ? `--${d.path}` : '(input)'}: ${d.message ?? ''}`);
}

/** Runs `main` and exits with the right code; `json()` says whether the caller asked for --json. */
export async function runCli(main: () => Promise<void>, json: () => boolean): Promise<void> {
  try {
    await main();
    process.exitCode = EXIT.ok;
  } catch (err) {
    const failure = classify(err);
    if (json()) process.stderr.write(JSON.stringify({ error: failure.body }) + '\n');
    else {
      const message = failure.body.code === 'VALIDATION_FAILED' ? 'some values are not valid:' : failure.body.message;
      process.stderr.write([`error: ${message}`, ...detailLines(failure.body.details)].join('\n') + '\n');
    }
    // Only a failure nobody foresaw may be a bug: then its stack helps.
    if (failure.body.code === 'UNEXPECTED' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = failure.exitCode;
  }
  // Whatever a library left open (a pool's idle timer), the work is done: stdout and stderr
  // are synchronous for files, pipes and terminals on Linux, so nothing printed is lost.
  process.exit(process.exitCode);
}

/** Prints a result: as JSON with --json, else as the text a person reads. */
export function print(json: boolean, result: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(result, null, 2) + '\n' : text + '\n');
}
