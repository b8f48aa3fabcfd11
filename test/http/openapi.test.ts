/**
 * GET /openapi.json: a valid OpenAPI 3.1 document (checked by a real validator), covering every
 * route of the contract and nothing the server does not serve, whose schemas are the ones that
 * validate requests and describe the real answers.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startApp, type TestApp } from '../support/start-app.js';
import { api, ownerWithProject, type ApiResponse } from '../support/clients.js';
import { detailPaths, expectError, visitorConversation } from '../support/rest-fixtures.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every REST route of the contract (../shared/spec/api.md, v1 and the v1.1 additions). */
const CONTRACT_ROUTES = [
  'POST /v1/auth/signup', 'POST /v1/auth/login', 'POST /v1/auth/anonymous',
  'POST /v1/projects', 'GET /v1/projects/:projectId', 'PATCH /v1/projects/:projectId', 'POST /v1/projects/:projectId/identity-secret',
  'POST /v1/projects/:projectId/agents', 'GET /v1/projects/:projectId/agents', 'PATCH /v1/projects/:projectId/agents/:agentId',
  'POST /v1/projects/:projectId/api-keys', 'GET /v1/projects/:projectId/api-keys', 'DELETE /v1/projects/:projectId/api-keys/:keyId',
  'POST /v1/projects/:projectId/webhooks', 'GET /v1/projects/:projectId/webhooks', 'PATCH /v1/projects/:projectId/webhooks/:webhookId',
  'DELETE /v1/projects/:projectId/webhooks/:webhookId', 'GET /v1/projects/:projectId/webhooks/:webhookId/deliveries',
  'POST /v1/projects/:projectId/webhooks/:webhookId/deliveries/:deliveryId/retry',
  'GET /v1/projects/:projectId/leads', 'POST /v1/projects/:projectId/leads',
  'GET /v1/projects/:projectId/leads/:leadId', 'PATCH /v1/projects/:projectId/leads/:leadId', 'DELETE /v1/projects/:projectId/leads/:leadId',
  'GET /v1/projects/:projectId/leads/:leadId/conversations',
  'PUT /v1/projects/:projectId/leads/by-external-id/:externalId',
  'GET /v1/projects/:projectId/leads/duplicates', 'GET /v1/projects/:projectId/leads/export', 'POST /v1/projects/:projectId/leads/import',
  'GET /v1/projects/:projectId/leads/:targetId/merge', 'POST /v1/projects/:projectId/leads/:targetId/merge',
  'POST /v1/projects/:projectId/leads/:leadId/notes', 'GET /v1/projects/:projectId/leads/:leadId/notes',
  'DELETE /v1/projects/:projectId/leads/:leadId/notes/:noteId',
  'GET /v1/projects/:projectId/conversations', 'GET /v1/projects/:projectId/conversations/:conversationId',
  'GET /v1/projects/:projectId/conversations/:conversationId/messages',
  'GET /healthz', 'GET /readyz', 'GET /openapi.json',
];

interface Operation {
  method: (typeof METHODS)[number];
  template: string;
  op: any;
}

/** `/leads/{leadId}` and `/leads/:leadId` are the same route whatever the parameter's name. */
const shapeOf = (path: string) => path.replace(/\{[^}]+\}|:[A-Za-z_$][\w$]*/g, '{}');
const matches = (template: string, path: string) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path);
const fill = (template: string) => template.replace(/\{([^}]+)\}/g, (_, name: string) => (name === 'externalId' ? 'ext-1' : randomUUID()));
const isNoRoute = (res: ApiResponse) => res.status === 404 && /^No route/.test(res.body?.error?.message ?? '');
/** A JSON pointer into the document, as a URI fragment. */
const pointer = (...parts: string[]) => '#/' + parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

describe('GET /openapi.json', () => {
  let t: TestApp;
  let doc: any;
  let operations: Operation[];
  before(async () => {
    t = await startApp();
    const res = await api(t.url, 'GET', '/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.include('application/json');
    doc = res.body;
    operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([template, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method as Operation['method'], template, op })),
    );
  });
  after(async () => {
    await t.close();
  });

  it('is a valid OpenAPI 3.1 document, served without a token', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors, JSON.stringify(result.errors)).to.equal(undefined);
    expect(result.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
    expect(doc.openapi).to.equal('3.1.0');
    // What the validator does not check: each {param} of a path is declared once, as a required path parameter.
    for (const { method, template, op } of operations) {
      const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
      const inPath = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(declared, `${method} ${template}`).to.deep.equal(inPath);
      expect((op.parameters ?? []).filter((p: any) => p.in === 'path').every((p: any) => p.required === true)).to.equal(true);
    }
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it("lists every REST route of the contract", () => {
    const documented = new Set(operations.map(({ method, template }) => `${method.toUpperCase()} ${shapeOf(template)}`));
    const missing = CONTRACT_ROUTES.filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return !documented.has(`${method} ${shapeOf(path)}`);
    });
    expect(missing).to.deep.equal([]);
  });

  it('documents exactly what is served: each documented route answers, any other method on its path is "No route", and a route takes a token exactly when the document says so', async () => {
    const wrong: string[] = [];
    for (const template of Object.keys(doc.paths)) {
      const path = fill(template);
      for (const method of METHODS) {
        const res = await api(t.url, method.toUpperCase(), path);
        const documented = operations.filter((o) => o.method === method && matches(o.template, path));
        if (documented.length === 0) {
          if (!isNoRoute(res)) wrong.push(`${method} ${path} is served (${res.status}) but not documented`);
          continue;
        }
        if (isNoRoute(res)) wrong.push(`${method} ${template} is documented but not served`);
        const exact = documented.find((o) => o.template === template);
        if (!exact) continue;
        const takesToken = (exact.op.security ?? []).some((s: any) => 'bearer' in s);
        // No token was sent: an authenticated route must refuse it, an open one must not ask for one.
        if (takesToken !== (res.status === 401)) wrong.push(`${method} ${template}: security says ${takesToken ? 'bearer' : 'none'}, answered ${res.status}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('shows the schemas that validate: the leads `limit` maximum is the one enforced, and so is a body maxLength', async () => {
    const { owner, projectId } = await ownerWithProject(t.url);
    const leads = doc.paths['/v1/projects/{projectId}/leads'].get;
    const limit = leads.parameters.find((p: any) => p.name === 'limit' && p.in === 'query');
    expect(limit.required).to.equal(false);
    expect(limit.schema).to.include({ type: 'integer', minimum: 1, maximum: 100, default: 25 });
    expect((await api(t.url, 'GET', `/v1/projects/${projectId}/leads?limit=${limit.schema.maximum}`, { token: owner.token })).status).to.equal(200);
    expect(detailPaths(await api(t.url, 'GET', `/v1/projects/${projectId}/leads?limit=${limit.schema.maximum + 1}`, { token: owner.token }))).to.deep.equal(['limit']);

    const messages = doc.paths['/v1/projects/{projectId}/conversations/{conversationId}/messages'].get;
    expect(messages.parameters.find((p: any) => p.name === 'limit').schema.maximum).to.equal(200);

    const body = doc.paths['/v1/projects'].post.requestBody;
    expect(body.required).to.equal(true);
    const name = body.content['application/json'].schema.properties.name;
    expect(name).to.include({ type: 'string', minLength: 1, maxLength: 200 });
    expect((await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: 'n'.repeat(name.maxLength) } })).status).to.equal(201);
    expect(detailPaths(await api(t.url, 'POST', '/v1/projects', { token: owner.token, body: { name: 'n'.repeat(name.maxLength + 1) } }))).to.deep.equal(['name']);
  });

  it('names the shapes as components, with a bearer scheme for agent routes', () => {
    expect(doc.components.schemas).to.include.all.keys('Lead', 'Conversation', 'Message', 'Member', 'Project', 'Note', 'Agent', 'Error');
    expect(doc.components.securitySchemes.bearer).to.deep.include({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(JSON.stringify(doc)).to.not.match(/"\$schema"|#\/\$defs\//);
    const leadAnswer = doc.paths['/v1/projects/{projectId}/leads'].post.responses['201'].content['application/json'].schema;
    expect(leadAnswer).to.deep.equal({ $ref: '#/components/schemas/Lead' });
    expect(doc.paths['/v1/projects/{projectId}/leads/{leadId}'].get.parameters[1]).to.deep.include({ name: 'leadId', schema: { type: 'string', format: 'uuid' } });
  });

  describe('its schemas', () => {
    let ajv: InstanceType<typeof Ajv2020>;
    before(() => {
      // Strict: a keyword JSON Schema 2020-12 does not know fails to compile. Formats are
      // known but left unchecked here: zod puts a pattern beside each, which is checked.
      ajv = new Ajv2020({ strictSchema: true, strictTypes: false, strictTuples: false, strictRequired: false, allErrors: true, formats: { uuid: true, 'date-time': true, email: true } });
      ajv.addVocabulary(['openapi', 'info', 'tags', 'paths', 'components']);
      ajv.addSchema(doc, 'openapi.json');
    });

    it('are JSON Schema 2020-12 that compiles, every one of them', () => {
      const locations = [
        ...Object.keys(doc.components.schemas).map((name) => pointer('components', 'schemas', name)),
        ...operations.flatMap(({ method, template, op }) => [
          ...(op.parameters ?? []).map((_: unknown, i: number) => pointer('paths', template, method, 'parameters', String(i), 'schema')),
          ...Object.keys(op.requestBody?.content ?? {}).map((type) => pointer('paths', template, method, 'requestBody', 'content', type, 'schema')),
          ...Object.entries(op.responses as Record<string, any>).flatMap(([status, r]) =>
            Object.keys(r.content ?? {}).map((type) => pointer('paths', template, method, 'responses', status, 'content', type, 'schema')),
          ),
        ]),
      ];
      expect(locations.length).to.be.greaterThan(60);
      for (const location of locations) expect(ajv.getSchema('openapi.json' + location), location).to.be.a('function');
    });

    it('describe the real answers', async () => {
      const answers = async (method: string, template: string, res: ApiResponse) => {
        const validate = ajv.getSchema('openapi.json' + pointer('paths', template, method, 'responses', String(res.status), 'content', 'application/json', 'schema'));
        expect(validate, `${method} ${template} ${res.status} is not documented`).to.be.a('function');
        expect(validate!(res.body), `${method} ${template} ${res.status}: ${JSON.stringify(validate!.errors)}`).to.equal(true);
      };
      const { owner, projectId } = await ownerWithProject(t.url);
      const p = `/v1/projects/${projectId}`;
      const as = { token: owner.token };
      await answers('post', '/v1/auth/login', await api(t.url, 'POST', '/v1/auth/login', { body: { email: owner.email, password: owner.password } }));
      await answers('post', '/v1/auth/login', await api(t.url, 'POST', '/v1/auth/login', { body: { email: owner.email, password: 'wrong password' } }));
      await answers('post', '/v1/auth/anonymous', await api(t.url, 'POST', '/v1/auth/anonymous', { body: { projectId } }));
      await answers('get', '/v1/projects/{projectId}', await api(t.url, 'GET', p, as));
      await answers('post', '/v1/projects/{projectId}/agents', await api(t.url, 'POST', `${p}/agents`, { ...as, body: { email: `a-${randomUUID()}@example.test`, fullname: 'Al', password: 'long enough', role: 'agent' } }));
      await answers('get', '/v1/projects/{projectId}/agents', await api(t.url, 'GET', `${p}/agents`, as));
      const { lead, conversation } = await visitorConversation(t, projectId, 'Hello there', { fullname: 'Vera', email: 'vera@example.test', attributes: { plan: 'pro', seats: 3 } });
      await answers('get', '/v1/projects/{projectId}/leads', await api(t.url, 'GET', `${p}/leads`, as));
      await answers('get', '/v1/projects/{projectId}/leads/{leadId}', await api(t.url, 'GET', `${p}/leads/${lead.id}`, as));
      await answers('get', '/v1/projects/{projectId}/leads/{leadId}/conversations', await api(t.url, 'GET', `${p}/leads/${lead.id}/conversations`, as));
      await answers('get', '/v1/projects/{projectId}/conversations', await api(t.url, 'GET', `${p}/conversations`, as));
      await answers('get', '/v1/projects/{projectId}/conversations/{conversationId}', await api(t.url, 'GET', `${p}/conversations/${conversation.id}`, as));
      await answers('get', '/v1/projects/{projectId}/conversations/{conversationId}/messages', await api(t.url, 'GET', `${p}/conversations/${conversation.id}/messages`, as));
      const missing = await api(t.url, 'GET', `${p}/conversations/${randomUUID()}`, as);
      expectError(missing, 404, 'NOT_FOUND');
      await answers('get', '/v1/projects/{projectId}/conversations/{conversationId}', missing);
      await answers('get', '/healthz', await api(t.url, 'GET', '/healthz'));
      await answers('get', '/readyz', await api(t.url, 'GET', '/readyz'));
    });
  });
});
