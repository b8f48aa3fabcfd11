/** Validation at the edges: zod schemas in, typed values or one VALIDATION_FAILED error out. */
import { z } from 'zod';
import { AppError } from './errors.js';
import { dottedPath, hostileShapeOf, unstorableStrings, type Issue } from './validation-walk.js';

export const MAX_TEXT_CHARS = 4000;

/** The largest value of a PostgreSQL `integer` (seq columns): past it a query fails instead of matching nothing. */
export const INT4_MAX = 2 ** 31 - 1;

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

/** Bounds of every `attributes` object: what one request may send, and what a lead may hold in total. */
export const ATTRIBUTES_LIMITS = {
  /** Its JSON (JSON.stringify, UTF-16 code units). */
  maxJsonChars: 16 * 1024,
  /** Keys at its top level. */
  maxKeys: 100,
  /** The object itself is level 1; each object or array inside adds one. */
  maxDepth: 20,
  maxKeyChars: 100,
} as const;

/** Why `value` (an attributes object) is past the size bounds, or null when it is within them. */
export function attributesOverLimits(value: Record<string, unknown>): string | null {
  if (Object.keys(value).length > ATTRIBUTES_LIMITS.maxKeys) return `must have at most ${ATTRIBUTES_LIMITS.maxKeys} keys`;
  if (JSON.stringify(value).length > ATTRIBUTES_LIMITS.maxJsonChars) return `must be at most ${ATTRIBUTES_LIMITS.maxJsonChars / 1024} KiB of JSON`;
  return null;
}

/**
 * Free-form metadata: a JSON object of at most 16 KiB and 100 keys, nested at most 20 levels.
 * (parseInput has refused anything nested deeper than MAX_INPUT_DEPTH before zod recurses into it.)
 */
export const attributes = z
  .record(z.string().max(ATTRIBUTES_LIMITS.maxKeyChars), z.json())
  .superRefine((o, ctx) => {
    const tooBig = attributesOverLimits(o);
    if (tooBig) ctx.addIssue({ code: 'custom', message: tooBig });
    else if (!depthWithin(o, ATTRIBUTES_LIMITS.maxDepth)) ctx.addIssue({ code: 'custom', message: `must be nested at most ${ATTRIBUTES_LIMITS.maxDepth} levels deep` });
  });

/** Whether `value` nests objects and arrays at most `limit` levels (a scalar is 0), counted without recursion. */
function depthWithin(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > limit) return false;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

export const uuid = z.uuid({ message: 'must be a UUID' });
export const clientMessageId = z.string().min(1).max(200);
/** A seq (or a position in seqs): a PostgreSQL integer. */
export const seq = z.number().int().min(0).max(INT4_MAX);

/** An email address, trimmed before it is checked. */
export const email = z.string().trim().pipe(z.email({ message: 'must be an email address' }).max(320));

const validationFailed = (issues: Issue[]) => new AppError('VALIDATION_FAILED', 'The payload does not match the schema.', issues);

/**
 * Parses `input` or throws VALIDATION_FAILED with every issue as `{ path, message }`.
 * Before zod sees it, the raw input may not nest deeper than MAX_INPUT_DEPTH (zod and
 * JSON.stringify recurse, and a deep enough value overflows the stack) nor use the key
 * `__proto__` (zod would drop it, silently changing what is stored). After parsing (unknown
 * keys are stripped first), no string or key may hold what PostgreSQL cannot store verbatim:
 * a NUL character or a lone UTF-16 surrogate.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const shape = hostileShapeOf(input);
  if (shape.length > 0) throw validationFailed(shape);
  const result = schema.safeParse(input ?? {});
  if (result.success) {
    const bad = unstorableStrings(result.data);
    if (bad.length > 0) throw validationFailed(bad);
    return result.data;
  }
  const tooLarge = result.error.issues.find((i) => i.code === 'custom' && (i.params as { appCode?: string } | undefined)?.appCode === 'PAYLOAD_TOO_LARGE');
  const details = result.error.issues.map((i) => ({ path: dottedPath(i.path), message: i.message }));
  if (tooLarge) throw new AppError('PAYLOAD_TOO_LARGE', `${dottedPath(tooLarge.path)} ${tooLarge.message}`, details);
  throw validationFailed(details);
}
