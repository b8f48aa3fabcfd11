/** Validation at the edges: zod schemas in, typed values or one VALIDATION_FAILED error out. */
import { z } from 'zod';
import { AppError } from './errors.js';

export const MAX_TEXT_CHARS = 4000;

/**
 * Message text: 1 to 4,000 characters (Unicode code points), stored verbatim.
 * Too long is PAYLOAD_TOO_LARGE, not VALIDATION_FAILED, as the contract says.
 */
export const messageText = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => s.length <= MAX_TEXT_CHARS || [...s].length <= MAX_TEXT_CHARS, {
    message: `is over ${MAX_TEXT_CHARS.toLocaleString('en')} characters`,
    params: { appCode: 'PAYLOAD_TOO_LARGE' },
  });

const MAX_ATTRIBUTES_JSON = 16 * 1024;

/** Free-form metadata: a JSON object of at most 16 KiB. */
export const attributes = z
  .record(z.string().max(100), z.json())
  .refine((o) => JSON.stringify(o).length <= MAX_ATTRIBUTES_JSON, `must be at most ${MAX_ATTRIBUTES_JSON / 1024} KiB of JSON`);

export const uuid = z.uuid({ message: 'must be a UUID' });
export const clientMessageId = z.string().min(1).max(200);
export const seq = z.number().int().min(0);

/** An email address, trimmed before it is checked. */
export const email = z.string().trim().pipe(z.email({ message: 'must be an email address' }).max(320));

/** The paths of every string (value or key) holding a NUL character, which PostgreSQL cannot store. */
function nulPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path.join('.')] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => (key.includes('\u0000') ? [[...path, key].join('.')] : nulPaths(v, [...path, key])));
}

/**
 * Parses `input` or throws VALIDATION_FAILED with every issue as `{ path, message }`.
 * Whatever survives parsing (unknown keys are stripped first) may not contain NUL characters.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) {
    const bad = nulPaths(result.data);
    if (bad.length > 0) {
      throw new AppError('VALIDATION_FAILED', 'The payload does not match the schema.', bad.map((path) => ({ path, message: 'must not contain NUL characters' })));
    }
    return result.data;
  }
  const tooLarge = result.error.issues.find((i) => i.code === 'custom' && (i.params as { appCode?: string } | undefined)?.appCode === 'PAYLOAD_TOO_LARGE');
  const details = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  if (tooLarge) throw new AppError('PAYLOAD_TOO_LARGE', `${tooLarge.path.join('.')} ${tooLarge.message}`, details);
  throw new AppError('VALIDATION_FAILED', 'The payload does not match the schema.', details);
}
