/**
 * GET /metrics after real traffic: valid Prometheus text, counters that moved by exactly what
 * the test did, commit histograms that count the committed sends, a sockets gauge that follows
 * connects and disconnects, route templates instead of URLs, one registry per app, METRICS_TOKEN.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/start-app.js';
import { ack, api, ok, sleep } from '../support/clients.js';
import { outgoing, startChat, waitFor } from '../support/chat-fixtures.js';
import { expectError } from '../support/rest-fixtures.js';
import { ConfigError } from '../../src/config.js';
import { testConfig, usingPostgres, usingRedis } from '../support/test-config.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(?:,|$)/;
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const HELP = new RegExp(`^# HELP (${NAME}) .+$`);

/** A small parser of the text exposition format 0.0.4: throws on any line it does not accept. */
function parseExposition(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || HELP.test(line)) continue;
    const type = TYPE.exec(line);
    if (type) {
      expect(types.has(type[1]!), `${type[1]} typed twice`).to.equal(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus line: ${line}`);
    const [, name, rawLabels = '', rawValue] = match;
    const labels: Record<string, string> = {};
    for (let rest = rawLabels; rest !== ''; ) {
      const label = LABEL.exec(rest);
      if (!label) throw new Error(`bad labels in: ${line}`);
      labels[label[1]!] = label[2]!;
      rest = rest.slice(label[0].length);
    }
    // Go's ParseFloat, which Prometheus uses, takes NaN in any case (prom-client writes "Nan").
    const value = rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : /^nan$/i.test(rawValue!) ? NaN : Number(rawValue);
    expect(Number.isNaN(value) && !/^nan$/i.test(rawValue!), `bad value in: ${line}`).to.equal(false);
    const family = types.has(name!) ? name! : name!.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(family), `${name} has no # TYPE before it`).to.equal(true);
    samples.push({ name: name!, labels, value });
  }
  return samples;
}

async function scrape(url: string, token?: string): Promise<Sample[]> {
  const res = await api(url, 'GET', '/metrics', token ? { token } : {});
  expect(res.status, String(res.body)).to.equal(200);
  expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.body as string);
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

const has = (samples: Sample[], name: string) => samples.some((s) => s.name === name);

describe('GET /metrics', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  it('counts commands by namespace, event and result code, and commits by latency and batch, after a real chat', async () => {
    const before = await scrape(t.url);
    const chat = await startChat(t);
    const { visitor, agentSocket, conversation } = chat;
    const conversationId = conversation.id;

    for (const text of ['one', 'two', 'three']) {
      const heard = waitFor(agentSocket, 'message:created', (m: any) => m.text === text);
      await ok(visitor.socket, 'message:send', outgoing(conversationId, text));
      await heard;
    }
    for (const text of ['four', 'five']) {
      const heard = waitFor(visitor.socket, 'message:created', (m: any) => m.text === text);
      await ok(agentSocket, 'message:send', outgoing(conversationId, text));
      await heard;
    }
    // A retry of an acked send is answered from the database: OK, and one more commit wait.
    const retried = outgoing(conversationId, 'again');
    const original = await ok(visitor.socket, 'message:send', retried);
    expect((await ok(visitor.socket, 'message:send', retried)).id).to.equal(original.id);
    // Failures: an unknown conversation, an empty text, a command that does not exist.
    expect((await ack(visitor.socket, 'message:send', outgoing(randomUUID(), 'lost'))).error.code).to.equal('NOT_FOUND');
    expect((await ack(visitor.socket, 'message:send', outgoing(conversationId, ''))).error.code).to.equal('VALIDATION_FAILED');
    expect((await ack(agentSocket, 'no:such-command', {})).error.code).to.equal('NOT_FOUND');

    const after = await scrape(t.url);
    const moved = (labels: Record<string, string>) => valueOf(after, 'pingstreams_socket_commands_total', labels) - valueOf(before, 'pingstreams_socket_commands_total', labels);
    expect(moved({ namespace: '/visitor', event: 'conversation:start', code: 'OK' })).to.equal(1);
    expect(moved({ namespace: '/agent', event: 'conversation:join', code: 'OK' })).to.equal(1);
    expect(moved({ namespace: '/visitor', event: 'message:send', code: 'OK' })).to.equal(5);
    expect(moved({ namespace: '/agent', event: 'message:send', code: 'OK' })).to.equal(2);
    expect(moved({ namespace: '/visitor', event: 'message:send', code: 'NOT_FOUND' })).to.equal(1);
    expect(moved({ namespace: '/visitor', event: 'message:send', code: 'VALIDATION_FAILED' })).to.equal(1);
    expect(moved({ namespace: '/agent', event: 'unknown', code: 'NOT_FOUND' })).to.equal(1);
    expect(moved({})).to.equal(12);
    expect(after.some((s) => s.labels.event === 'no:such-command')).to.equal(false);

    // Every send answered OK waited once for a commit; each went through exactly one transaction.
    const committed = 7;
    const delta = (name: string) => valueOf(after, name) - valueOf(before, name);
    expect(delta('pingstreams_message_commit_seconds_count')).to.equal(committed);
    expect(valueOf(after, 'pingstreams_message_commit_seconds_bucket', { le: '+Inf' })).to.equal(valueOf(after, 'pingstreams_message_commit_seconds_count'));
    expect(delta('pingstreams_message_commit_seconds_sum')).to.be.greaterThan(0);
    expect(delta('pingstreams_message_batch_size_sum')).to.equal(committed);
    expect(delta('pingstreams_message_batch_size_count')).to.be.within(1, committed);
    const buckets = after.filter((s) => s.name === 'pingstreams_message_commit_seconds_bucket').map((s) => s.value);
    expect(buckets).to.deep.equal([...buckets].sort((a, b) => a - b));

    // What the database holds agrees: the opening message and six sends, the retry stored once.
    const stored = await ok(agentSocket, 'message:list', { conversationId, limit: 50 });
    expect(stored.map((m: any) => m.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
  });

  it('counts the sockets connected per namespace, and the count goes down on disconnect', async () => {
    const gauge = async (namespace: string) => valueOf(await scrape(t.url), 'pingstreams_sockets_connected', { namespace });
    const [visitors0, agents0] = [await gauge('/visitor'), await gauge('/agent')];
    const chat = await startChat(t);
    const extra = await t.connectVisitor(chat.projectId);
    expect(await gauge('/visitor')).to.equal(visitors0 + 2);
    expect(await gauge('/agent')).to.equal(agents0 + 1);

    extra.socket.disconnect();
    chat.agentSocket.disconnect();
    // The server hears of a disconnect a little later: poll the scrape.
    const deadline = Date.now() + 15_000;
    while ((await gauge('/visitor')) !== visitors0 + 1 || (await gauge('/agent')) !== agents0) {
      if (Date.now() > deadline) throw new Error('the sockets gauge did not follow the disconnects');
      await sleep(50);
    }
    chat.visitor.socket.disconnect();
    while ((await gauge('/visitor')) !== visitors0) {
      if (Date.now() > deadline) throw new Error('the sockets gauge did not follow the last disconnect');
      await sleep(50);
    }
  });

  it('counts HTTP answers by route template and status, never by raw URL', async () => {
    const chat = await startChat(t);
    const before = await scrape(t.url);
    const as = { token: chat.owner.token };
    const path = `/v1/projects/${chat.projectId}/conversations/${chat.conversation.id}/messages`;
    expect((await api(t.url, 'GET', path, as)).status).to.equal(200);
    expect((await api(t.url, 'GET', `${path}?afterSeq=0`, as)).status).to.equal(200);
    expectError(await api(t.url, 'GET', `/v1/projects/${randomUUID()}`, as), 404, 'NOT_FOUND');
    expectError(await api(t.url, 'GET', `/v1/projects/${chat.projectId}`), 401, 'UNAUTHENTICATED');
    expectError(await api(t.url, 'GET', `/v1/no-such-route/${randomUUID()}`), 404, 'NOT_FOUND');
    const text = (await api(t.url, 'GET', '/metrics')).body as string;
    const after = parseExposition(text);

    const moved = (labels: Record<string, string>) => valueOf(after, 'pingstreams_http_requests_total', labels) - valueOf(before, 'pingstreams_http_requests_total', labels);
    expect(moved({ method: 'GET', route: '/v1/projects/:projectId/conversations/:conversationId/messages', status: '200' })).to.equal(2);
    expect(moved({ method: 'GET', route: '/v1/projects/:projectId', status: '404' })).to.equal(1);
    expect(moved({ method: 'GET', route: '/v1/projects/:projectId', status: '401' })).to.equal(1);
    expect(moved({ method: 'GET', route: 'unmatched', status: '404' })).to.equal(1);
    // The scrape before this one is counted too, once it ended.
    expect(moved({ method: 'GET', route: '/metrics', status: '200' })).to.equal(1);
    expect(moved({})).to.equal(6);
    expect(valueOf(after, 'pingstreams_http_request_duration_seconds_count', { route: '/v1/projects/:projectId' })).to.be.at.least(2);
    expect(text).to.not.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(text).to.not.include('afterSeq');
  });

  it('reports the database pool, Redis when configured, and the process', async () => {
    const samples = await scrape(t.url);
    const max = valueOf(samples, 'pingstreams_db_pool_max');
    expect(max).to.equal(usingPostgres() ? 10 : 1);
    expect(valueOf(samples, 'pingstreams_db_pool_in_use')).to.be.within(0, max);
    expect(has(samples, 'pingstreams_db_pool_pending_acquires')).to.equal(true);
    expect(has(samples, 'process_cpu_user_seconds_total')).to.equal(true);
    expect(has(samples, 'nodejs_eventloop_lag_seconds')).to.equal(true);
    expect(valueOf(samples, 'process_resident_memory_bytes')).to.be.greaterThan(0);
    if (usingRedis()) {
      expect(valueOf(samples, 'pingstreams_redis_up', { client: 'commands' })).to.equal(1);
      expect(valueOf(samples, 'pingstreams_redis_up', { client: 'adapter' })).to.equal(1);
    } else {
      expect(has(samples, 'pingstreams_redis_up')).to.equal(false);
    }

    const broken = await startApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const down = await scrape(broken.url);
      expect(valueOf(down, 'pingstreams_redis_up', { client: 'commands' })).to.equal(0);
      expect(valueOf(down, 'pingstreams_redis_up', { client: 'adapter' })).to.equal(0);
      expect((await api(broken.url, 'GET', '/readyz')).status).to.equal(503);
    } finally {
      await broken.close();
    }
  });

  it('keeps one registry per app: another app in this process starts from zero', async () => {
    await startChat(t);
    const other = await startApp();
    try {
      const samples = await scrape(other.url);
      expect(valueOf(samples, 'pingstreams_socket_commands_total')).to.equal(0);
      expect(valueOf(samples, 'pingstreams_sockets_connected')).to.equal(0);
      expect(valueOf(samples, 'pingstreams_message_commit_seconds_count')).to.equal(0);
      expect(valueOf(samples, 'pingstreams_http_requests_total')).to.equal(0);
      expect(valueOf(await scrape(t.url), 'pingstreams_socket_commands_total')).to.be.greaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('with METRICS_TOKEN, answers only its Bearer token (not an agent token)', async () => {
    expect(() => testConfig({ METRICS_TOKEN: 'too-short' })).to.throw(ConfigError, /METRICS_TOKEN/);
    const metricsToken = `scraper-${randomUUID()}`;
    const guarded = await startApp({ METRICS_TOKEN: metricsToken });
    try {
      const chat = await startChat(guarded);
      expectError(await api(guarded.url, 'GET', '/metrics'), 401, 'UNAUTHENTICATED');
      expectError(await api(guarded.url, 'GET', '/metrics', { token: `${metricsToken}x` }), 401, 'UNAUTHENTICATED');
      expectError(await api(guarded.url, 'GET', '/metrics', { token: chat.owner.token }), 401, 'UNAUTHENTICATED');
      expect(valueOf(await scrape(guarded.url, metricsToken), 'pingstreams_sockets_connected', { namespace: '/agent' })).to.equal(1);
    } finally {
      await guarded.close();
    }
  });

  it('is listed in /openapi.json as text/plain, without an agent token', async () => {
    const doc = (await api(t.url, 'GET', '/openapi.json')).body;
    const op = doc.paths['/metrics'].get;
    expect(Object.keys(op.responses['200'].content)).to.deep.equal(['text/plain']);
    expect(op.security).to.deep.equal([]);
  });
});
