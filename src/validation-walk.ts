/**
 * The walks parseInput makes over a payload, before and after zod: without recursion, since
 * a hostile payload may nest deeper than the stack allows.
 */

export interface Issue {
  path: string;
  message: string;
}

/**
 * No payload nests deeper than this (objects and arrays; the payload itself is level 1). The
 * deepest legitimate one is a field holding attributes (20 levels): level 21.
 */
export const MAX_INPUT_DEPTH = 32;

/** A key or path segment echoed back in `details` is cut to this many characters. */
const MAX_SEGMENT_CHARS = 100;

interface Node {
  value: unknown;
  key: string;
  depth: number;
  parent: Node | null;
}

/** A dotted path, each segment cut short: a hostile key may be huge, and `details` echo it. */
export function dottedPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment) => {
      const chars = Array.from(String(segment));
      return chars.length > MAX_SEGMENT_CHARS ? `${chars.slice(0, MAX_SEGMENT_CHARS).join('')}…` : chars.join('');
    })
    .join('.');
}

function pathOf(node: Node | null): string {
  const segments: string[] = [];
  for (let n = node; n?.parent; n = n.parent) segments.push(n.key);
  return dottedPath(segments.reverse());
}

/** Visits every object and array of `value` depth first, handing each child to `visit`; stops when `visit` says so. */
function walk(value: unknown, visit: (child: Node) => 'descend' | 'skip' | 'stop'): void {
  const stack: Node[] = [{ value, key: '', depth: 1, parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const object = node.value;
    // Binary (a Buffer from a socket frame) is a leaf: its bytes are not keys.
    if (object === null || typeof object !== 'object' || ArrayBuffer.isView(object)) continue;
    for (const key of Object.keys(object)) {
      const child: Node = { value: (object as Record<string, unknown>)[key], key, depth: node.depth + 1, parent: node };
      const next = visit(child);
      if (next === 'stop') return;
      if (next === 'descend') stack.push(child);
    }
  }
}

const isContainer = (value: unknown) => value !== null && typeof value === 'object' && !ArrayBuffer.isView(value);

/**
 * What parseInput refuses before zod runs: nesting past MAX_INPUT_DEPTH (reported once, at
 * the top-level field that holds it), and any key `__proto__` (zod drops it, so what would be
 * stored is not what was sent; refused rather than silently altered).
 */
export function hostileShapeOf(input: unknown): Issue[] {
  const issues: Issue[] = [];
  walk(input, (child) => {
    if (child.key === '__proto__') issues.push({ path: pathOf(child), message: 'must not use the key __proto__' });
    if (isContainer(child.value) && child.depth > MAX_INPUT_DEPTH) {
      let top = child;
      while (top.parent?.parent) top = top.parent;
      issues.push({ path: pathOf(top), message: `is nested more than ${MAX_INPUT_DEPTH} levels deep` });
      return 'stop';
    }
    return 'descend';
  });
  return issues;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/** Why PostgreSQL would not store `s` verbatim, or null. */
function unstorable(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  // Encoded to UTF-8 on its way to the database, a lone surrogate becomes U+FFFD.
  if (LONE_SURROGATE.test(s)) return 'must not contain lone UTF-16 surrogates (it must be well-formed Unicode)';
  return null;
}

/** Every string value or key of a parsed payload that the database would not store verbatim, with its path. */
export function unstorableStrings(value: unknown): Issue[] {
  const issues: Issue[] = [];
  if (typeof value === 'string') {
    const problem = unstorable(value);
    return problem ? [{ path: '', message: problem }] : [];
  }
  walk(value, (child) => {
    const problem = unstorable(child.key) ?? (typeof child.value === 'string' ? unstorable(child.value) : null);
    if (problem) {
      issues.push({ path: pathOf(child), message: problem });
      return 'skip';
    }
    return 'descend';
  });
  return issues;
}
