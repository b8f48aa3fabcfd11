/**
 * The quick tour: against a running server, an agent gets an account and a project and answers,
 * while an anonymous visitor fills the pre-chat form and starts a conversation. It prints what
 * each side sees, then exits (0 when the visitor got the agent's answer; 1 with what went wrong).
 *
 *   node examples/tour.mjs [BASE_URL]        default http://localhost:3000
 *
 * Run it again as often as you like: the agent signs up the first time and logs in after that.
 * TOUR_EMAIL and TOUR_PASSWORD pick another agent account (e.g. on a server whose sign-up is closed).
 */
import { io } from 'socket.io-client';

const BASE = (process.argv[2] ?? 'http://localhost:3000').replace(/\/$/, '');
const EMAIL = process.env.TOUR_EMAIL ?? 'ada@example.com';
const PASSWORD = process.env.TOUR_PASSWORD ?? 'a long password';
/** No step of the tour takes longer on a healthy server. */
const STEP_TIMEOUT_MS = 15_000;

let step = 'starting';
const sockets = [];

function fail(message) {
  console.error(`tour failed while ${step}: ${message}`);
  for (const socket of sockets) socket.disconnect();
  process.exit(1);
}

async function call(method, path, body, token) {
  let res;
  try {
    res = await fetch(BASE + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
  } catch (err) {
    fail(`cannot reach ${BASE} (${err.cause?.code ?? err.message}). Is the server running? Start it with \`npm start\`, or give its URL: node examples/tour.mjs http://host:port`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: reported below with the status.
  }
  return { status: res.status, body: json ?? text };
}

/** A command over a socket: its ack's data, or the tour stops with the server's error. */
async function command(socket, event, payload) {
  let ack;
  try {
    ack = await socket.timeout(STEP_TIMEOUT_MS).emitWithAck(event, payload);
  } catch {
    fail(`no answer to ${event} within ${STEP_TIMEOUT_MS / 1000} s`);
  }
  if (!ack.ok) fail(`${event} answered ${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

function connect(namespace, auth) {
  const socket = io(BASE + namespace, { auth, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  return new Promise((resolve) => {
    const timer = setTimeout(() => fail(`${namespace} did not connect within ${STEP_TIMEOUT_MS / 1000} s`), STEP_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err) => fail(`${namespace} refused the connection: ${err.message}`));
  });
}

// 1. The agent's account: sign up; on a second run (or where sign-up is closed) log in instead.
step = 'signing up';
let account = await call('POST', '/v1/auth/signup', { email: EMAIL, password: PASSWORD, fullname: 'Ada Lovelace' });
if (account.status === 409 || account.status === 403) {
  const why = account.body?.error?.message ?? '';
  step = 'logging in';
  account = await call('POST', '/v1/auth/login', { email: EMAIL, password: PASSWORD });
  if (account.status !== 200) {
    fail(
      why.startsWith('Sign-up is closed')
        ? `${why} — and ${EMAIL} has no account here. Create it with \`npm run admin -- create-agent --email ${EMAIL} --fullname Ada --password-stdin\`, or set TOUR_EMAIL and TOUR_PASSWORD to your account.`
        : `${EMAIL} exists but TOUR_PASSWORD is not its password (${account.status}).`,
    );
  }
  console.log(`agent ${EMAIL}: logged in`);
} else if (account.status === 201) {
  console.log(`agent ${EMAIL}: signed up`);
} else {
  fail(`the server answered ${account.status}: ${JSON.stringify(account.body)}`);
}
const { token } = account.body;

// 2. A project; its creator is its owner.
step = 'creating a project';
const project = await call('POST', '/v1/projects', { name: 'Acme' }, token);
if (project.status !== 201) fail(`the server answered ${project.status}: ${JSON.stringify(project.body)}`);
const projectId = project.body.id;
console.log(`project "Acme": ${projectId}`);

// 3. The agent console: join each new conversation and greet.
step = 'connecting the agent';
const agent = await connect('/agent', { token, projectId });
const greeted = new Promise((resolve) => {
  agent.on('conversation:created', async (conversation) => {
    await command(agent, 'conversation:join', { conversationId: conversation.id });
    await command(agent, 'message:send', { conversationId: conversation.id, clientMessageId: crypto.randomUUID(), text: 'Hi Grace, how can I help?' });
    resolve();
  });
});

// 4. The widget: anonymous; it keeps session.token (in localStorage) and sends it as auth.token next time.
step = 'connecting the visitor';
const visitor = io(`${BASE}/visitor`, { auth: { projectId }, transports: ['websocket'], reconnection: false });
sockets.push(visitor);
const session = await new Promise((resolve) => {
  const timer = setTimeout(() => fail(`no session within ${STEP_TIMEOUT_MS / 1000} s`), STEP_TIMEOUT_MS);
  visitor.once('session', (s) => {
    clearTimeout(timer);
    resolve(s);
  });
  visitor.once('connect_error', (err) => fail(`/visitor refused the connection: ${err.message}`));
});
console.log(`visitor: session ${session.visitorId}`);
const answered = new Promise((resolve) => {
  // The visitor's own messages come back in acks; message:created brings everyone else's.
  visitor.on('message:created', (message) => {
    if (message.sender.type === 'visitor') return;
    console.log(`  ${message.sender.type}: ${message.text}`);
    if (message.sender.type === 'agent') resolve();
  });
});

step = 'filling the pre-chat form';
await command(visitor, 'lead:update', { fullname: 'Grace Hopper', email: 'grace@example.com' });
step = 'starting a conversation';
const conversation = await command(visitor, 'conversation:start', { text: 'Hello!' });
console.log(`visitor: conversation ${conversation.id} started`);
console.log('  visitor: Hello!');

// 5. Done once the agent's answer has reached the visitor.
step = "waiting for the agent's answer";
const timeout = new Promise((resolve) => setTimeout(resolve, STEP_TIMEOUT_MS, 'timeout'));
if ((await Promise.race([Promise.all([greeted, answered]), timeout])) === 'timeout') {
  fail(`the visitor did not hear from the agent within ${STEP_TIMEOUT_MS / 1000} s`);
}
console.log('tour complete: every command answers its ack with { ok: true, data } or { ok: false, error: { code, message } }');
for (const socket of sockets) socket.disconnect();
process.exit(0);
