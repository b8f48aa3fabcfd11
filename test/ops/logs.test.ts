/**
 * The logs of a real server process through a whole chat, at LOG_LEVEL=debug: every line is
 * JSON, every line about a request carries its request id and every line about a socket its
 * socket id, and not one token, password, identity, secret or query value the run used
 * appears anywhere in the output.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import type { Socket } from 'socket.io-client';
import { api, ok, uniqueEmail, type ApiResponse } from '../support/clients.js';
import { nextEvent } from '../support/clients.js';
import { killAll, SocketPool, startServer } from '../support/ops-fixtures.js';
import type { ServerProcess } from '../support/spawn-server.js';
import { appSecret } from '../support/tokens.js';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  socketId?: string;
  [key: string]: unknown;
}

const session = (socket: Socket) =>
  new Promise<{ visitorId: string; token: string }>((resolve, reject) => {
    socket.once('session', resolve);
    socket.once('connect_error', reject);
  });

describe('logs of a real server process', function () {
  this.timeout(120_000);
  const sockets = new SocketPool();
  const servers: ServerProcess[] = [];
  /** Everything that must never be printed, by what it is. */
  const secrets = new Map<string, string>();
  const requestIds: string[] = [];
  const socketIds = new Map<string, string>();
  let lines: LogLine[];
  let output: string;
  const customId = `trace-${randomUUID()}`;

  /** A REST call whose request id (from the answer's header) the logs must show. */
  const call = async (server: ServerProcess, method: string, path: string, options: Parameters<typeof api>[3] = {}): Promise<ApiResponse> => {
    const res = await api(server.url, method, path, options);
    const id = res.headers.get('x-request-id');
    expect(id, `${method} ${path} answered without X-Request-Id`).to.be.a('string').and.not.empty;
    requestIds.push(id!);
    return res;
  };

  before(async () => {
    const metricsToken = `metrics-${randomUUID()}`;
    secrets.set('METRICS_TOKEN', metricsToken);
    secrets.set('JWT_SECRET', appSecret());
    const server = await startServer({ LOG_LEVEL: 'debug', METRICS_TOKEN: metricsToken });
    servers.push(server);

    // Accounts: a signup, a wrong password, a login, a body that is not JSON with a password in it.
    const email = uniqueEmail('logs');
    const password = `pw-${randomUUID()}`;
    const signup = await call(server, 'POST', '/v1/auth/signup', { body: { email, password, fullname: 'Logan Logs' } });
    expect(signup.status).to.equal(201);
    const wrongPassword = `wrong-${randomUUID()}`;
    expect((await call(server, 'POST', '/v1/auth/login', { body: { email, password: wrongPassword } })).status).to.equal(401);
    const login = await call(server, 'POST', '/v1/auth/login', { body: { email, password } });
    expect(login.status).to.equal(200);
    const brokenJsonPassword = `broken-${randomUUID()}`;
    expect((await call(server, 'POST', '/v1/auth/login', { rawBody: `{"email":"${email}","password":"${brokenJsonPassword}"` })).status).to.equal(400);
    const token = login.body.token as string;
    secrets.set('password', password).set('wrong password', wrongPassword).set('password in a broken body', brokenJsonPassword);
    secrets.set('signup token', signup.body.token).set('login token', token);

    // A project, its identity secret (rotated once), an identity signed with it.
    const project = await call(server, 'POST', '/v1/projects', { token, body: { name: 'Logged Support' } });
    const projectId = project.body.id as string;
    secrets.set('first identity secret', project.body.identitySecret);
    const rotated = await call(server, 'POST', `/v1/projects/${projectId}/identity-secret`, { token });
    expect(rotated.status).to.equal(201);
    const identitySecret = rotated.body.identitySecret as string;
    secrets.set('identity secret', identitySecret);
    const identity = await new SignJWT({ email: 'ivy@example.test', name: 'Ivy' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`customer-${randomUUID()}`)
      .setIssuedAt()
      .sign(new TextEncoder().encode(identitySecret));
    secrets.set('identity JWT', identity);
    const anonymous = await call(server, 'POST', '/v1/auth/anonymous', { body: { projectId } });
    secrets.set('REST visitor token', anonymous.body.token);

    // Sockets: an identified visitor, an anonymous one who comes back with its token, an agent.
    const identified = sockets.open(server.url, '/visitor', { projectId, identity });
    secrets.set('identified visitor token', (await session(identified)).token);
    const first = sockets.open(server.url, '/visitor', { projectId });
    const firstSession = await session(first);
    secrets.set('anonymous visitor token', firstSession.token);
    socketIds.set('anonymous visitor', first.id!);
    first.disconnect();
    const returning = sockets.open(server.url, '/visitor', { projectId, token: firstSession.token });
    expect((await session(returning)).visitorId).to.equal(firstSession.visitorId);
    const agent = await sockets.agent(server.url, token, projectId);
    socketIds.set('identified visitor', identified.id!).set('returning visitor', returning.id!).set('agent', agent.id!);

    // Chat both ways, and a command that fails.
    const created = nextEvent(agent, 'conversation:created', () => true, 15_000);
    const conversation = await ok(identified, 'conversation:start', { text: 'Hello from a logged visitor' });
    await created;
    await ok(agent, 'conversation:join', { conversationId: conversation.id });
    const toAgent = nextEvent(agent, 'message:created', () => true, 15_000);
    await ok(identified, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: 'Are you there?' });
    await toAgent;
    const toVisitor = nextEvent(identified, 'message:created', () => true, 15_000);
    await ok(agent, 'message:send', { conversationId: conversation.id, clientMessageId: randomUUID(), text: 'Yes, here' });
    await toVisitor;
    const failed = await agent.timeout(10_000).emitWithAck('message:send', { conversationId: randomUUID(), clientMessageId: randomUUID(), text: 'Nowhere' });
    expect(failed.error.code).to.equal('NOT_FOUND');

    // REST with the bearer token, a query value that must not be logged, request ids given by the caller.
    expect((await call(server, 'GET', `/v1/projects/${projectId}/conversations/${conversation.id}/messages`, { token })).status).to.equal(200);
    const queryValue = `query-${randomUUID()}`;
    secrets.set('query string value', queryValue);
    expect((await call(server, 'GET', `/v1/projects/${projectId}/leads?q=${queryValue}`, { token })).status).to.equal(200);
    const echoed = await call(server, 'GET', `/v1/projects/${projectId}`, { token, headers: { 'x-request-id': customId } });
    expect(echoed.headers.get('x-request-id')).to.equal(customId);
    const insane = await call(server, 'GET', '/healthz', { headers: { 'x-request-id': 'not a sane id {"level":60}' } });
    expect(insane.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    expect((await call(server, 'GET', '/metrics', { token: metricsToken })).status).to.equal(200);
    expect((await call(server, 'GET', '/metrics', { token })).status).to.equal(401);

    sockets.closeAll();
    expect(await server.stop()).to.equal(0);
    output = server.output();
    lines = output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          throw new Error(`a line of the output is not JSON: ${line}`);
        }
      });
  });
  after(async () => {
    sockets.closeAll();
    await killAll(servers);
  });

  it('prints no token, password, identity, secret or query value of the run, whole or in part', () => {
    expect(secrets.size).to.equal(14);
    for (const [what, value] of secrets) {
      expect(value, what).to.be.a('string').with.length.greaterThan(15);
      expect(output.includes(value), `the ${what} is in the logs`).to.equal(false);
      // A JWT cut short is still a leak of its signature.
      const signature = value.split('.')[2];
      if (signature) expect(output.includes(signature), `the signature of the ${what} is in the logs`).to.equal(false);
    }
    expect(output).to.not.match(/authorization|bearer/i);
  });

  it('writes one access line per request, with its id, method, path without the query, route template, status and duration', () => {
    const access = lines.filter((line) => line.msg === 'request');
    expect(access.map((line) => line.reqId).sort()).to.deep.equal([...requestIds].sort());
    for (const line of access) {
      expect(line).to.include.all.keys('reqId', 'method', 'path', 'route', 'status', 'durationMs');
      expect(line.path as string).to.not.include('?');
      expect(line.durationMs).to.be.a('number').and.at.least(0);
    }
    const messages = access.find((line) => (line.path as string).endsWith('/messages'))!;
    expect(messages).to.include({ method: 'GET', route: '/v1/projects/:projectId/conversations/:conversationId/messages', status: 200 });
    expect(access.find((line) => line.reqId === customId)).to.include({ method: 'GET', route: '/v1/projects/:projectId', status: 200 });
    expect(access.filter((line) => line.route === '/v1/auth/login').map((line) => line.status).sort()).to.deep.equal([200, 400, 401]);
    // The probe's line is at debug, the others at info.
    expect(access.find((line) => line.route === '/healthz')!.level).to.equal(20);
    expect(access.find((line) => line.route === '/v1/auth/signup')!.level).to.equal(30);
    expect(output).to.not.include('not a sane id');
  });

  it('puts the request id on every line about a request and the socket id on every line about a socket', () => {
    const aboutRequests = lines.filter((line) => 'method' in line || 'path' in line || 'route' in line);
    const aboutSockets = lines.filter((line) => 'namespace' in line || 'event' in line || /socket|handshake/.test(line.msg));
    expect(aboutRequests.length).to.be.at.least(requestIds.length);
    for (const line of aboutRequests) expect(line.reqId, JSON.stringify(line)).to.be.a('string').and.not.empty;
    for (const line of aboutSockets) expect(line.socketId, JSON.stringify(line)).to.be.a('string').and.not.empty;

    for (const [who, id] of socketIds) {
      expect(lines.some((line) => line.msg === 'socket connected' && line.socketId === id), `${who} connected`).to.equal(true);
      expect(lines.some((line) => line.msg === 'socket disconnected' && line.socketId === id), `${who} disconnected`).to.equal(true);
    }
    const commands = lines.filter((line) => line.msg === 'socket command');
    const agentCommands = commands.filter((line) => line.socketId === socketIds.get('agent'));
    expect(agentCommands.map((line) => `${line.event} ${line.code}`)).to.have.members(['conversation:join OK', 'message:send OK', 'message:send NOT_FOUND']);
    expect(agentCommands.every((line) => line.namespace === '/agent')).to.equal(true);
    expect(commands.filter((line) => line.socketId === socketIds.get('identified visitor')).map((line) => `${line.event} ${line.code}`)).to.have.members([
      'conversation:start OK',
      'message:send OK',
    ]);
  });

  it('never writes message texts or bodies', () => {
    for (const text of ['Hello from a logged visitor', 'Are you there?', 'Yes, here', 'ivy@example.test']) expect(output).to.not.include(text);
  });
});
