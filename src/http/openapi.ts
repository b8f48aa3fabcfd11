/**
 * GET /openapi.json: the OpenAPI 3.1 document of the REST API, generated from the
 * DocumentedRouters' declarations, so it names exactly the routes served and the zod
 * schemas that validate them.
 */
import { z } from 'zod';
import { DocumentedRouter, type RawBodyDoc, type RouteDoc } from './documented-router.js';
import { SchemaComponents, type JsonSchema } from './openapi-schemas.js';

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
}

type Responses = Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;

/** Express's `:name` path parameters; anything fancier (optional groups, wildcards) is refused. */
const PATH_PARAM = /:([A-Za-z_$][\w$]*)/g;

const openApiPath = (expressPath: string) => expressPath.replace(PATH_PARAM, '{$1}');

const pathParams = (expressPath: string) => [...expressPath.matchAll(PATH_PARAM)].map((m) => m[1] ?? '');

const isUuidParam = (name: string) => name.endsWith('Id') && name !== 'externalId';

const pascal = (words: string) => words.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/** `get /v1/projects/:projectId/leads/:leadId` → `getProjectsLeadsByLeadId`: literal segments, and the last one if it is a parameter. */
function defaultOperationId(doc: RouteDoc): string {
  const segments = doc.fullPath.split('/').filter((s) => s && s !== 'v1');
  const words = segments.map((s, i) => {
    if (!s.startsWith(':')) return pascal(s);
    const afterBy = segments[i - 1]?.startsWith('by-');
    return i === segments.length - 1 && !afterBy ? `By${pascal(s.slice(1))}` : '';
  });
  return doc.method + words.join('');
}

const isRawBody = (body: RouteDoc['body']): body is RawBodyDoc => body !== undefined && !('safeParse' in body);

function responsesOf(doc: RouteDoc, components: SchemaComponents, where: string): Responses {
  const out: Responses = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    const contentType = response.contentType ?? (response.schema ? 'application/json' : undefined);
    if (!contentType) {
      out[status] = { description: response.description };
      continue;
    }
    // A non-JSON answer (CSV) is documented as text of its media type.
    const schema = response.schema ? components.convert(response.schema, 'output', `${where} response ${status}`) : { type: 'string' };
    out[status] = { description: response.description, content: { [contentType]: { schema } } };
  }
  return out;
}

function parametersOf(doc: RouteDoc, components: SchemaComponents, where: string): JsonSchema[] {
  const fromPath = pathParams(doc.fullPath).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: isUuidParam(name) ? { type: 'string', format: 'uuid' } : { type: 'string' },
  }));
  if (!doc.query) return fromPath;
  const query = components.convert(doc.query, 'input', `${where} query`) as { properties?: Record<string, JsonSchema>; required?: string[] };
  if (!query.properties) throw new Error(`OpenAPI: ${where} query must be a zod object`);
  const fromQuery = Object.entries(query.properties).map(([name, { description, ...schema }]) => ({
    name,
    in: 'query',
    required: query.required?.includes(name) ?? false,
    ...(description ? { description } : {}),
    schema,
  }));
  return [...fromPath, ...fromQuery];
}

function requestBodyOf(doc: RouteDoc, components: SchemaComponents, where: string): JsonSchema | undefined {
  if (!doc.body) return undefined;
  if (isRawBody(doc.body)) return { required: true, description: doc.body.description, content: { [doc.body.contentType]: { schema: { type: 'string' } } } };
  const schema = components.convert(doc.body, 'input', `${where} body`);
  const required = Array.isArray(schema.required) && schema.required.length > 0;
  return { required, content: { 'application/json': { schema } } };
}

/** The OpenAPI 3.1.0 document of `docs` (the routes in the order they are matched). */
export function openApiDocument(docs: readonly RouteDoc[], info: ApiInfo): JsonSchema {
  const components = new SchemaComponents();
  const where = (doc: RouteDoc) => `${doc.method.toUpperCase()} ${doc.fullPath}`;
  if (docs.some((doc) => /[*?(){}]/.test(doc.fullPath))) throw new Error('OpenAPI: only :name path parameters can be documented');
  // Responses first: a shape keeps its plain name for what the server answers (see SchemaComponents).
  const responses = docs.map((doc) => responsesOf(doc, components, where(doc)));
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const operationIds = new Set<string>();
  docs.forEach((doc, i) => {
    const operationId = doc.operationId ?? defaultOperationId(doc);
    if (operationIds.has(operationId)) throw new Error(`OpenAPI: operationId ${operationId} is used twice; set one on ${where(doc)}`);
    operationIds.add(operationId);
    const parameters = parametersOf(doc, components, where(doc));
    const requestBody = requestBodyOf(doc, components, where(doc));
    const description = [doc.description, doc.access && `Who may call it: ${doc.access}.`, doc.scope && `API keys: the \`${doc.scope}\` scope.`].filter(Boolean).join('\n\n');
    (paths[openApiPath(doc.fullPath)] ??= {})[doc.method] = {
      operationId,
      summary: doc.summary,
      ...(description ? { description } : {}),
      tags: [doc.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: responses[i],
      security: doc.authenticated ? [{ bearer: [] }, ...(doc.scope ? [{ apiKey: [doc.scope] }] : [])] : [],
    };
  });
  return {
    openapi: '3.1.0',
    info,
    tags: [...new Set(docs.map((doc) => doc.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An agent token from POST /v1/auth/login or /signup.' },
        apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'psk_…', description: "A project's API key (POST /v1/projects/{projectId}/api-keys), sent as `Authorization: Bearer psk_…`; the route's listed scope is required." },
      },
    },
  };
}

/**
 * Serves the document of `routers` (read at the first request, so the list may include this
 * router itself) and documents itself. Built once per app.
 */
export function openApiRoutes(routers: () => readonly DocumentedRouter[], info: ApiInfo): DocumentedRouter {
  const api = new DocumentedRouter('', 'Meta', false);
  let document: JsonSchema | undefined;
  api.route(
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document: the OpenAPI 3.1 description of the REST API',
      responses: { 200: { description: 'The OpenAPI document', schema: z.looseObject({ openapi: z.literal('3.1.0'), paths: z.record(z.string(), z.unknown()) }) } },
    },
    (_req, res) => {
      document ??= openApiDocument(routers().flatMap((router) => router.docs), info);
      res.json(document);
    },
  );
  return api;
}
