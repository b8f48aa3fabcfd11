/**
 * Logs for a person at a terminal: `09:12:03 INFO  listening port=3000 database=pglite` instead
 * of a JSON line. Only when stdout is a TTY (logger.ts): files, pipes and log collectors get JSON.
 */
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Said by the line's layout, or the same on every line. */
const LAID_OUT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'err']);

const show = (value: unknown) => (typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value));

export function formatLogLine(json: string, colors = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const levelNumber = Number(entry.level);
  const time = new Date(Number(entry.time)).toTimeString().slice(0, 8);
  const label = (LEVELS[levelNumber] ?? String(entry.level)).padEnd(5);
  const level = colors && COLORS[levelNumber] ? `\u001b[${COLORS[levelNumber]}m${label}\u001b[0m` : label;
  const fields = Object.entries(entry)
    .filter(([key]) => !LAID_OUT.has(key))
    .map(([key, value]) => `${key}=${show(value)}`);
  const err = entry.err as { message?: string; stack?: string } | string | undefined;
  const errText = typeof err === 'string' ? ` err=${show(err)}` : err?.stack ? `\n    ${err.stack.split('\n').join('\n    ')}` : err?.message ? ` err=${show(err.message)}` : '';
  return `${time} ${level} ${String(entry.msg ?? '')}${fields.length ? ' ' + fields.join(' ') : ''}${errText}\n`;
}

/** A pino destination writing formatted lines to `out`. */
export function prettyDestination(out: NodeJS.WriteStream): DestinationStream {
  const colors = out.hasColors?.() ?? false;
  return { write: (line: string) => void out.write(formatLogLine(line, colors)) };
}
