/**
 * The REST fuzz's view of the API: every route GET /openapi.json documents (the app's
 * DocumentedRouters), a valid example of each request body, and the check of an answer
 * against the contract (JSON error bodies with a code that matches the status).
 */
import { ERROR_STATUS } from '../../src/errors.js';
import { CONTRACT_CODES } from './junk.js';

type JsonSchema = Record<string, any>;

export interface RouteInfo {
  method: string;
  /** OpenAPI path, `{name}` for parameters. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  /** JSON body schema, 'csv' for a text/csv body, or null. */
  body: JsonSchema | 'csv' | null;
}

/** Every operation of the OpenAPI document. */
export function routesOf(doc: JsonSchema): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const [path, operations] of Object.entries<JsonSchema>(doc.paths)) {
    for (const [method, op] of Object.entries<JsonSchema>(operations)) {
      const params: JsonSchema[] = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        body: content['application/json'] ? content['application/json'].schema : content['text/csv'] ? 'csv' : null,
      });
    }
  }
  return routes;
}

/** A valid-looking value of `schema` ($refs resolved in `doc`), with `uuidFor(name)` for ids. */
export function exampleOf(schema: JsonSchema, doc: JsonSchema, uuidFor: (name: string) => string, name = ''): unknown {
  if (schema.$ref) return exampleOf(doc.components.schemas[String(schema.$ref).split('/').pop()!], doc, uuidFor, name);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return exampleOf(choices.find((c: JsonSchema) => c.type !== 'null') ?? choices[0], doc, uuidFor, name);
  if (schema.enum) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'uuid') return uuidFor(name);
      if (schema.format === 'email' || /email/i.test(name)) return `fuzz-${Math.random().toString(36).slice(2)}@example.com`;
      const length = Math.min(Math.max(schema.minLength ?? 0, 12), schema.maxLength ?? 12);
      return 'fuzz value x'.padEnd(length, 'x').slice(0, length);
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return schema.items ? [exampleOf(schema.items, doc, uuidFor, name)] : [];
    case 'object':
      if (!schema.properties) return { plan: 'pro' };
      return Object.fromEntries(Object.entries<JsonSchema>(schema.properties).map(([key, sub]) => [key, exampleOf(sub, doc, uuidFor, key)]));
    default:
      // Free-form JSON (attributes).
      return { plan: 'pro' };
  }
}

/** Why `status`/`body` break the contract, or null: never a 500, and every error is `{ error: { code, message } }` of a matching code. */
export function contractViolation(status: number, contentType: string, body: unknown): string | null {
  if (status === 500) return 'answered 500';
  if (status < 400) return null;
  if (!contentType.includes('application/json')) return `error ${status} is not JSON (${contentType})`;
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = error?.code;
  if (typeof code !== 'string' || !CONTRACT_CODES.has(code)) return `error ${status} without a contract code: ${JSON.stringify(body)?.slice(0, 200)}`;
  if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== status) return `code ${code} with status ${status}`;
  if (typeof error?.message !== 'string' || error.message === '') return `code ${code} without a message`;
  return null;
}
