/**
 * The fuzz tests' generated junk (fast-check arbitraries), their fixed seed, and the checks
 * every run ends with: no prototype polluted, answers only in the contract's codes.
 */
import fc from 'fast-check';
import { ERROR_STATUS } from '../../src/errors.js';

/** Fixed, so a failure replays; FUZZ_SEED and FUZZ_RUNS explore further from the command line. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261130);
export const fuzzRuns = (fallback: number) => Number(process.env.FUZZ_RUNS ?? fallback);

export const CONTRACT_CODES = new Set(Object.keys(ERROR_STATUS));

/** `levels` objects or arrays, one inside the other. */
export function nest(levels: number, kind: 'object' | 'array', leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

/** An object whose keys may be `__proto__` (defined as own keys, as JSON.parse makes them, not as a prototype). */
export function ownObject(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

/** Payloads that try to reach a prototype, as JSON would bring them. */
export const PROTOTYPE_BOMBS: unknown[] = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"prototype":{"polluted":"yes"}}',
  '{"attributes":{"__proto__":{"polluted":"yes"}}}',
  '{"attributes":{"constructor":{"prototype":{"polluted":"yes"}}}}',
  '{"__proto__":[{"polluted":"yes"}],"toString":"x","valueOf":1,"hasOwnProperty":null}',
].map((json) => JSON.parse(json));

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const oddUnit = fc.oneof(
  fc.constantFrom('\u0000', '\u202e', '\ufeff', '\ufffd', '😀', '𝄞', '%', '\\', '"', "'", '<', '${', '\n', '\r', '.', '/', ','),
  loneSurrogate,
  fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
);

/** Strings a schema should refuse or store verbatim: empty, blank, odd Unicode, names that mean something, huge. */
export const junkString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40, unit: oddUnit }) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t\n', 'null', 'undefined', 'true', '0', '-1', '2147483648', 'NaN', '1e309', '__proto__', 'constructor', 'prototype', 'a@b', 'x@example.com', '00000000-0000-0000-0000-000000000000') },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 80_000 }).map((n) => 'x'.repeat(n)) },
);

/** Numbers at the edges: of int4, of doubles, negative, fractional (NaN and Infinity travel as null in JSON). */
export const junkNumber = fc.oneof(
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 31 - 2, max: Number.MAX_SAFE_INTEGER }) },
  { weight: 3, arbitrary: fc.constantFrom(0, -0, -1, 1.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 31) - 1, 1e308, Number.MIN_VALUE) },
);

/** Nested 21 to 3,000 levels: deeper than any schema allows, shallow enough for JSON.stringify (≈ 4,500 here); raw frames and bodies go deeper. */
export const deepValue = fc.tuple(fc.integer({ min: 21, max: 3000 }), fc.constantFrom<'object' | 'array'>('object', 'array')).map(([levels, kind]) => nest(levels, kind));

export const binaryValue = fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes));

const junkKey = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'polluted', ''), fc.string({ maxLength: 10, unit: oddUnit }));

const scalar = fc.oneof(junkString, junkNumber, fc.boolean(), fc.constant(null));

/** Any JSON-ish value: scalars, arrays, objects with hostile keys, deep nesting, prototype bombs, Buffers. */
export const junkValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 2, arbitrary: tie('array') },
    { weight: 2, arbitrary: tie('object') },
    { weight: 1, arbitrary: deepValue },
    { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_BOMBS) },
    { weight: 1, arbitrary: binaryValue },
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.array(fc.tuple(junkKey, tie('value')), { maxLength: 4 }).map(ownObject),
})).value;

/** What replaces a field: any junk, or (more often than chance) the kinds that break schemas and databases. */
const fieldJunk = fc.oneof(
  { weight: 4, arbitrary: junkValue },
  { weight: 2, arbitrary: junkNumber },
  { weight: 2, arbitrary: junkString },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8, unit: oddUnit }) },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_BOMBS) },
);

/** A valid `template` with one to three fields replaced by junk, removed, or junk fields added. */
export function mutated(template: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.keys(template);
  const change = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constant('replace' as const), fields.length ? fc.constantFrom(...fields) : junkKey, fieldJunk) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('remove' as const), fields.length ? fc.constantFrom(...fields) : junkKey, fc.constant(undefined)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('add' as const), junkKey, junkValue) },
  );
  return fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) => {
    const entries = new Map(Object.entries(template));
    for (const [what, key, value] of changes) {
      if (what === 'remove') entries.delete(key);
      else entries.set(key, value);
    }
    return ownObject([...entries]);
  });
}

/** What a value weighs on the wire, roughly (Buffers count their bytes); false past `limit`, without recursing deeply. */
export function fitsOnTheWire(value: unknown, limit: number): boolean {
  let bytes = 0;
  const stack = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') bytes += node.length * 3 + 2;
    else if (Buffer.isBuffer(node)) bytes += node.length;
    else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        bytes += key.length * 3 + 4;
        stack.push(child);
      }
    } else bytes += 24;
    if (bytes > limit) return false;
  }
  return true;
}

/** The own properties of the built-in prototypes, to compare before and after a run. */
export function prototypeSnapshot(): string {
  const protos = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype, Number: Number.prototype };
  return JSON.stringify(Object.entries(protos).map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
}

/** Whether anything reachable from a fresh object or array was polluted (in this process: test and server alike). */
export function pollutionSeen(): string[] {
  const seen: string[] = [];
  const probes: [string, unknown][] = [
    ['({}).polluted', ({} as any).polluted],
    ['[].polluted', ([] as any).polluted],
    ['Object.polluted', (Object as any).polluted],
    ['(() => 0).polluted', ((() => 0) as any).polluted],
    ["''.polluted", ('' as any).polluted],
  ];
  for (const [where, value] of probes) if (value !== undefined) seen.push(`${where} = ${String(value)}`);
  return seen;
}

/** A short printable form of an input, for failure reports. */
export function describeInput(value: unknown): string {
  try {
    // Buffers arrive here already as their toJSON() form.
    const isBuffer = (v: any) => v?.type === 'Buffer' && Array.isArray(v.data);
    const text = JSON.stringify(value, (_key, v) => (isBuffer(v) ? `<Buffer ${v.data.length}>` : v));
    return text === undefined ? String(value) : text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
  } catch (err) {
    return `<unprintable: ${(err as Error).message}>`;
  }
}
