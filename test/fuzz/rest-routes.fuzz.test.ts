/**
 * Fuzz: generated junk to every REST route GET /openapi.json documents — junk path ids and
 * malformed percent-encoding, junk and repeated query parameters, bodies of every type and
 * depth, prototype bombs, wrong content types, broken JSON, binary, a 3 MB body, junk tokens.
 * Every answer is 2xx or a JSON error with a contract code that matches its status, never a
 * 500; no prototype is polluted; the server still chats afterwards.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { startApp, type TestApp } from '../support/start-app.js';
import { addAgent, api, ok, ownerWithProject } from '../support/clients.js';
import { outgoing, startChat, waitFor } from '../support/chat-fixtures.js';
import { visitorConversation } from '../support/rest-fixtures.js';
import { binaryValue, describeInput, FUZZ_SEED, fuzzRuns, junkString, junkValue, mutated, nest, pollutionSeen, prototypeSnapshot, PROTOTYPE_BOMBS } from './junk.js';
import { contractViolation, exampleOf, routesOf, type RouteInfo } from './rest-wire.js';

const RUNS = fuzzRuns(2000);
const IN_FLIGHT = 8;

interface RestInput {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Raw bytes or text, or `{ json }`: serialised only when sent (deep values overflow a deep stack). */
  body?: string | Buffer | { json: unknown };
}

/** Percent-encoding that decodes to nothing valid, path tricks, and ids from nowhere. */
const RAW_SEGMENTS = ['%', '%ZZ', '%ED%A0%80', '%C0%AF', '%00', '%FF%FE', '..', '%2e%2e', '%2F', '.', '%20', '00000000-0000-0000-0000-000000000000'];

const isAscii = (s: string) => /^[\x20-\x7e]*$/.test(s);

describe('fuzz: REST routes', function () {
  this.timeout(300_000);
  let t: TestApp;
  let routes: RouteInfo[];
  let doc: any;
  let ids: Record<string, string[]>;
  let tokens: { owner: string; agent: string; stranger: string };

  before(async () => {
    t = await startApp({ RATE_LIMIT_LOGIN: '0', RATE_LIMIT_HANDSHAKE: '0', RATE_LIMIT_SOCKET: '0' });
    const { owner, projectId } = await ownerWithProject(t.url);
    const agent = await addAgent(t.url, owner.token, projectId);
    const stranger = await ownerWithProject(t.url);
    const first = await visitorConversation(t, projectId, 'Hello from the fuzz', { fullname: 'First Lead', email: 'first@example.com' });
    const second = await visitorConversation(t, projectId, 'Another one', { fullname: 'Second Lead' });
    const byExternalId = await api(t.url, 'PUT', `/v1/projects/${projectId}/leads/by-external-id/crm-1`, { token: owner.token, body: { fullname: 'Third Lead' } });
    const note = await api(t.url, 'POST', `/v1/projects/${projectId}/leads/${first.lead.id}/notes`, { token: owner.token, body: { text: 'a note' } });
    ids = {
      projectId: [projectId, projectId, stranger.projectId],
      leadId: [first.lead.id, second.lead.id, byExternalId.body.id],
      targetId: [first.lead.id, second.lead.id],
      sourceLeadId: [second.lead.id, first.lead.id, byExternalId.body.id],
      conversationId: [first.conversation.id, second.conversation.id],
      noteId: [note.body.id],
      // Never the owner's: removing or demoting it would turn the rest of the run into 403s.
      agentId: [agent.agent.id],
      externalId: ['crm-1', 'crm-2'],
    };
    tokens = { owner: owner.token, agent: agent.token, stranger: stranger.owner.token };
    doc = (await api(t.url, 'GET', '/openapi.json')).body;
    routes = routesOf(doc);
  });
  after(async () => {
    await t.close();
  });

  const idFor = (name: string) => ids[name]?.[0] ?? randomUUID();

  /** A path segment: one of the fixture's ids (mostly), junk (encoded), or raw malformed encoding. */
  const segment = (name: string) =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...(ids[name] ?? [randomUUID()])) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: junkString.filter((s) => s.length < 5000).map((s) => encodeURIComponent(s.replace(/\p{Surrogate}/gu, '\ufffd'))) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    );

  const edgeNumber = fc.oneof(fc.constantFrom('2147483648', '2147483647', '-1', '1.5', '1e3', '9007199254740993', 'NaN', 'Infinity', '0x10', ''), fc.integer({ min: 2 ** 31 - 2, max: Number.MAX_SAFE_INTEGER }).map(String));
  const queryValue = fc.oneof(junkString.filter((s) => s.length < 3000), fc.integer().map(String), edgeNumber);
  const encodeQuery = (pairs: [string, string][]) => pairs.map(([k, v]) => `${encodeURIComponent(k.replace(/\p{Surrogate}/gu, '\ufffd'))}=${encodeURIComponent(v.replace(/\p{Surrogate}/gu, '\ufffd'))}`).join('&');
  const queryOf = (route: RouteInfo) => {
    const documented = route.query.map((q) => fc.tuple(fc.constant(q.name), fc.oneof(fc.constant(String(exampleOf(q.schema, doc, idFor, q.name))), queryValue, edgeNumber)));
    const pair = fc.oneof(...documented, fc.tuple(fc.constantFrom('__proto__', 'constructor', '__proto__[polluted]', 'constructor[prototype][polluted]', 'a[b]', 'limit[]'), queryValue), fc.tuple(fc.string({ maxLength: 10 }), queryValue));
    return fc.oneof({ weight: 4, arbitrary: fc.array(pair, { maxLength: 5 }).map(encodeQuery) }, { weight: 1, arbitrary: fc.constantFrom('%', 'a=%ZZ', 'a=%ED%A0%80', '&&&', '=x', 'limit=1&limit=2') });
  };

  const jsonBody = (route: RouteInfo) => {
    const template = route.body && route.body !== 'csv' ? (exampleOf(route.body, doc, idFor) as Record<string, unknown>) : {};
    return fc
      .oneof(
        { weight: 8, arbitrary: mutated(template) },
        { weight: 3, arbitrary: junkValue },
        { weight: 1, arbitrary: fc.constant(template) },
        { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_BOMBS) },
      )
      .map((json) => ({ json }));
  };
  const csvBody = fc.oneof(
    fc.array(fc.array(junkString.filter((s) => s.length < 200), { maxLength: 5 }), { maxLength: 6 }).map((rows) => ['email,fullname,attributes', ...rows.map((r) => r.join(','))].join('\n')),
    fc.string({ maxLength: 300 }),
    fc.constantFrom('"unterminated', 'id\n' + '{"a":'.repeat(1000), `email,attributes\nx@example.com,"${JSON.stringify(nest(3000, 'object')).replaceAll('"', '""')}"`),
  );
  const rawBody = fc.oneof(
    fc.constantFrom('{', '{"a":', 'null', '[]', '"x"', '', 'undefined', '{"__proto__":', '\u0000', '['.repeat(100_000) + ']'.repeat(100_000), '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)),
    binaryValue,
  );

  const authOf = fc.oneof(
    { weight: 10, arbitrary: fc.constant(`Bearer ${'owner'}`) },
    { weight: 2, arbitrary: fc.constant('Bearer agent') },
    { weight: 1, arbitrary: fc.constant('Bearer stranger') },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: junkString.filter(isAscii).map((s) => `Bearer ${s.slice(0, 2000)}`) },
    { weight: 1, arbitrary: fc.constantFrom('Basic b3duZXI6cGFzcw==', 'Bearer', 'bearer  x.y.z', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.') },
  );
  const contentTypeOf = fc.oneof(
    { weight: 10, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'text/csv', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=utf-16', 'application/json; charset=klingon', 'multipart/form-data; boundary=x', '') },
  );

  const requestOf = (route: RouteInfo): fc.Arbitrary<RestInput> => {
    const path = fc.tuple(...route.pathParams.map(segment)).map((values) => {
      let i = 0;
      return route.path.replace(/\{[^}]+\}/g, () => values[i++]!);
    });
    const method = fc.oneof({ weight: 12, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') });
    const takesBody = route.body !== null || route.method !== 'GET';
    const body = !takesBody ? fc.constant(undefined) : route.body === 'csv' ? fc.oneof(csvBody, rawBody) : fc.oneof({ weight: 6, arbitrary: jsonBody(route) }, { weight: 1, arbitrary: rawBody });
    const contentType = route.body === 'csv' ? fc.oneof(fc.constant('text/csv'), contentTypeOf) : contentTypeOf;
    return fc.record({ path, query: queryOf(route), method, auth: authOf, contentType, body }).map(({ path, query, method, auth, contentType, body }) => {
      const headers: Record<string, string> = {};
      if (auth) headers.authorization = auth.replace(/^Bearer (owner|agent|stranger)$/, (_m, who: keyof typeof tokens) => `Bearer ${tokens[who]}`);
      const sendsBody = body !== undefined && method !== 'GET' && method !== 'OPTIONS';
      if (sendsBody && contentType) headers['content-type'] = contentType;
      return { method, path: query ? `${path}?${query}` : path, headers, ...(sendsBody ? { body } : {}) };
    });
  };

  it('answers every request with 2xx or a contract error, never 500; pollutes nothing; still chats', async () => {
    expect(routes.length).to.be.greaterThan(20);
    const before = prototypeSnapshot();
    const unknownRoutes = fc.record({ method: fc.constantFrom('GET', 'POST', 'DELETE'), path: fc.string({ maxLength: 40 }).map((s) => `/v1/${encodeURIComponent(s)}`) }).map((r): RestInput => ({ ...r, headers: { authorization: `Bearer ${tokens.owner}` } }));
    const generated = fc.sample(fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...routes).chain(requestOf) }, { weight: 1, arbitrary: unknownRoutes }), { seed: FUZZ_SEED, numRuns: RUNS });
    // Each route at least a few times, whatever the draw; and the bodies too big to accept.
    const perRoute = routes.flatMap((route) => fc.sample(requestOf(route), { seed: FUZZ_SEED, numRuns: 5 }));
    const huge = routes.filter((r) => r.body !== null).map((r): RestInput => ({ method: r.method, path: r.path.replace(/\{([^}]+)\}/g, (_m, name: string) => idFor(name)), headers: { authorization: `Bearer ${tokens.owner}`, 'content-type': r.body === 'csv' ? 'text/csv' : 'application/json' }, body: JSON.stringify({ text: 'x'.repeat(3 * 1024 * 1024) }) }));
    const inputs = [...perRoute, ...huge, ...generated];

    const statuses: Record<number, number> = {};
    const codes: Record<string, number> = {};
    const failures: string[] = [];
    const started = Date.now();
    const runOne = async (input: RestInput) => {
      let res: Response;
      const payload = input.body !== undefined && typeof input.body === 'object' && 'json' in input.body ? JSON.stringify(input.body.json) : input.body;
      try {
        res = await fetch(t.url + input.path, { method: input.method, headers: input.headers, ...(payload !== undefined ? { body: payload } : {}) });
      } catch (err) {
        failures.push(`no answer (${(err as Error).message}): ${input.method} ${input.path.slice(0, 200)}`);
        return;
      }
      const text = await res.text();
      const contentType = res.headers.get('content-type') ?? '';
      let body: unknown = text;
      if (contentType.includes('json') && text) body = JSON.parse(text);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const code = (body as { error?: { code?: string } })?.error?.code;
      if (res.status >= 400 && code) codes[code] = (codes[code] ?? 0) + 1;
      const violation = contractViolation(res.status, contentType, body);
      if (violation) failures.push(`${violation}: ${input.method} ${input.path.slice(0, 200)} ${JSON.stringify(input.headers['content-type'] ?? '')} ${describeInput(typeof payload === 'string' ? payload.slice(0, 300) : payload)}`);
    };
    for (let i = 0; i < inputs.length; i += IN_FLIGHT) await Promise.all(inputs.slice(i, i + IN_FLIGHT).map(runOne));

    console.log(
      `      REST fuzz: seed ${FUZZ_SEED}, ${inputs.length} requests tried over ${routes.length} routes in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `statuses ${JSON.stringify(statuses)}; codes ${JSON.stringify(codes)}; INTERNAL ${codes.INTERNAL ?? 0}, 500s ${statuses[500] ?? 0}`,
    );
    expect(failures.slice(0, 20), `${failures.length} failures`).to.deep.equal([]);
    expect(statuses[500] ?? 0).to.equal(0);
    expect(pollutionSeen()).to.deep.equal([]);
    expect(prototypeSnapshot()).to.equal(before);

    // Still a working chat server.
    const fresh = await startChat(t);
    const heard = waitFor(fresh.agentSocket, 'message:created', (m: any) => m.text === 'after the REST storm');
    await ok(fresh.visitor.socket, 'message:send', outgoing(fresh.conversation.id, 'after the REST storm'));
    expect((await heard).conversationId).to.equal(fresh.conversation.id);
  });
});
