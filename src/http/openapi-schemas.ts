/**
 * zod → JSON Schema 2020-12 for the OpenAPI document, with every named shape (`.meta({ id })`)
 * and every recursive JSON value lifted into `components.schemas` and referenced from there.
 */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;
export type SchemaIo = 'input' | 'output';

const COMPONENTS = '#/components/schemas/';
const LOCAL_DEFS = '#/$defs/';
/** zod's name for a def it had to make up (a cycle with no id), e.g. `__schema0`. */
const ANONYMOUS_DEF = /^__schema\d+$/;

/**
 * zod says a parsed object has no other keys (`additionalProperties: false`). That is true of
 * what a request keeps, but answers may gain fields (the contract adds fields to its shapes),
 * so response schemas leave them open rather than make a strict client reject a newer server.
 */
const openAnswers = ({ jsonSchema }: { jsonSchema: JsonSchema }) => {
  if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
};

const toJson = (schema: z.ZodType, io: SchemaIo) =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, ...(io === 'output' ? { override: openAnswers } : {}) }) as JsonSchema;

/** Replaces every `$ref` in `node` by `rename(ref)`, deeply, returning a copy. */
function mapRefs(node: unknown, rename: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((item) => mapRefs(item, rename));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? rename(value) : mapRefs(value, rename)]),
  );
}

/** A def's content with its own name abstracted, so two conversions of one schema compare equal. */
const fingerprint = (local: string, def: unknown) => JSON.stringify(mapRefs(def, (ref) => (ref === LOCAL_DEFS + local ? '#self' : ref)));

/** What `z.json()` (free-form attributes) becomes: the one recursive schema we name ourselves. */
const JSON_VALUE = (() => {
  const { $defs } = toJson(z.object({ value: z.json() }), 'input') as { $defs: Record<string, unknown> };
  const [local, def] = Object.entries($defs)[0] ?? ['', undefined];
  return fingerprint(local, def);
})();

/** The `components.schemas` of one document, filled as route schemas are converted. */
export class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = {};
  /** Each zod id's first converted content, to tell a shape's input from its output. */
  private readonly firstSeen = new Map<string, string>();

  /**
   * The JSON Schema of `schema` as a request (`input`: defaults optional, before transforms)
   * or a response (`output`) sees it; named shapes become `$ref`s to components.
   * Convert every response before any request: a shape whose input differs from its output
   * is then named `<id>Input`, and the output keeps the plain name.
   */
  convert(schema: z.ZodType, io: SchemaIo, where: string): JsonSchema {
    const { $schema: _dialect, $defs = {}, ...root } = toJson(schema, io) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const refTo = (names: (local: string) => string | undefined) => (ref: string) => {
      const name = ref.startsWith(LOCAL_DEFS) ? names(ref.slice(LOCAL_DEFS.length)) : undefined;
      if (!name) throw new Error(`OpenAPI: ${where} has a $ref ${ref} that cannot be placed in components; give the schema .meta({ id })`);
      return COMPONENTS + name;
    };
    // Named by their zod id first, to compare them with earlier conversions; then by final name.
    const byId = (local: string) => (local in $defs ? (ANONYMOUS_DEF.test(local) ? this.anonymousName(local, $defs[local], where) : local) : undefined);
    const names = new Map<string, string>();
    for (const [local, def] of Object.entries($defs)) {
      names.set(local, ANONYMOUS_DEF.test(local) ? byId(local)! : this.nameFor(local, JSON.stringify(mapRefs(def, refTo(byId))), io));
    }
    const rename = refTo((local) => names.get(local));
    for (const [local, def] of Object.entries($defs)) this.store(names.get(local)!, mapRefs(def, rename) as JsonSchema);
    return mapRefs(root, rename) as JsonSchema;
  }

  private anonymousName(local: string, def: unknown, where: string): string {
    if (fingerprint(local, def) === JSON_VALUE) return 'JsonValue';
    throw new Error(`OpenAPI: ${where} has a recursive schema without a name; give it .meta({ id })`);
  }

  private nameFor(id: string, content: string, io: SchemaIo): string {
    const first = this.firstSeen.get(id);
    if (first === undefined) this.firstSeen.set(id, content);
    if (first === undefined || first === content) return id;
    if (io === 'input') return `${id}Input`;
    throw new Error(`OpenAPI: two different schemas are named ${id}`);
  }

  private store(name: string, schema: JsonSchema): void {
    const existing = this.schemas[name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(schema)) throw new Error(`OpenAPI: two different schemas are named ${name}`);
    this.schemas[name] = schema;
  }
}
