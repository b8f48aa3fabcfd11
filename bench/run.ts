/**
 * `npm run bench`: the bare Socket.IO relay (before and after), Pingstreams on PostgreSQL + Redis
 * and on the embedded default with the same chat workload (on an empty database, then again beside
 * a million stored messages), idle sockets and lead search; prints
 * every figure beside its target and exits 1 when one is missed. See docs/performance.md.
 */
import os from 'node:os';
import path from 'node:path';
import { runChat, type ChatResult } from './chat.js';
import { closeAll, newTenant, pingstreamsPairs, relayPairs, type Pair } from './clients.js';
import { runIdle, type IdleResult } from './idle.js';
import { loadLeads, measureLeads, type LeadsResult } from './leads.js';
import { meanBatch, readBatchSize } from './metrics.js';
import { parseOptions } from './options.js';
import { spawnEmbeddedServer, spawnPostgresServer, spawnRelay, type ServerUnderTest } from './servers.js';
import { cpuMicrosOf, fmt, loadAverage } from './stats.js';
import { loadMessagesEmbedded, loadMessagesPostgres, PER_CONVERSATION } from './stored.js';
import { Targets } from './targets.js';

const options = parseOptions(process.argv.slice(2), process.env);
const targets = new Targets();
const say = (line: string) => console.log(`${line}   [load ${loadAverage()}]`);
const sockets = (pairs: Pair[]) => pairs.flatMap((p) => [p.visitor, p.agent]);
const chatLine = (name: string, r: ChatResult) =>
  say(`${name}: ${fmt(r.perSecond, 0)} msg/s (${r.messages} in ${fmt(r.seconds)} s), visitor→agent p50 ${fmt(r.deliveredP50)} ms p99 ${fmt(r.deliveredP99)} ms, ack p50 ${fmt(r.ackP50)} ms p99 ${fmt(r.ackP99)} ms, errors ${r.errors}, undelivered ${r.undelivered}`);

/**
 * Before each measured chat phase, relay and Pingstreams alike: the same pairs exchange a tenth
 * of the messages, unmeasured, so that the figures are those of warm code (JIT, connection pool,
 * plans), not of a process's first seconds (the idle phase has its warm-up round too).
 */
async function warmUp(pairs: Pair[]): Promise<void> {
  await runChat(pairs, Math.max(1, Math.ceil(options.messages / 10)));
}

async function relayChat(label: string): Promise<ChatResult> {
  const relay = await spawnRelay();
  try {
    const pairs = await relayPairs(relay.url, options.conversations);
    await warmUp(pairs);
    const cpuBefore = cpuMicrosOf(relay.pid);
    const result = await runChat(pairs, options.messages);
    const cpu = (cpuMicrosOf(relay.pid) - cpuBefore) / result.messages;
    closeAll(sockets(pairs));
    chatLine(`relay (${label})`, result);
    say(`relay (${label}): server CPU ${fmt(cpu, 0)} µs per message`);
    return result;
  } finally {
    await relay.stop();
  }
}

interface ServerFigures {
  chat: ChatResult;
  meanBatch: number;
}

/** The same chat workload, on a database that holds `stored` messages loaded beforehand. */
interface StoredFigures extends ServerFigures {
  stored: number;
  loadSeconds: number;
}

const count = (n: number) => n.toLocaleString('en-US');
/** 1M, 50K: short enough for the targets' column. */
const short = (n: number) => new Intl.NumberFormat('en-US', { notation: 'compact' }).format(n);
const storedLabel = (kind: string) => `${kind} (${count(options.stored)} stored messages)`;

/** New tenant, new pairs: nothing of the empty-database run is reused. */
async function serverChat(server: ServerUnderTest, label: string = server.kind): Promise<ServerFigures> {
  const tenant = await newTenant(server.url);
  const pairs = await pingstreamsPairs(server.url, tenant, options.conversations);
  await warmUp(pairs);
  const before = await readBatchSize(server.url);
  const cpuBefore = cpuMicrosOf(server.pid);
  const chat = await runChat(pairs, options.messages);
  // The server process's own CPU per message (on PostgreSQL + Redis, their work is not in it): steadier than msg/s on shared cores.
  const cpu = (cpuMicrosOf(server.pid) - cpuBefore) / chat.messages;
  const batch = meanBatch(before, await readBatchSize(server.url));
  closeAll(sockets(pairs));
  chatLine(`pingstreams ${label}`, chat);
  say(`pingstreams ${label}: mean group-commit batch ${fmt(batch, 2)} messages, server CPU ${fmt(cpu, 0)} µs per message`);
  return { chat, meanBatch: batch };
}

async function main(): Promise<void> {
  console.log(`bench ${new Date().toISOString()}: ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ` +
    `${options.conversations} conversations × ${options.messages} messages, ${options.idle} idle sockets, leads ${options.leads.join(' / ')}` +
    (options.phases.has('stored') ? `, ${count(options.stored)} stored messages` : ''));
  const nodeArgs = options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir=bench/profiles'] : [];
  const relayRuns: ChatResult[] = [];
  const chatPhases = ['postgres', 'embedded'].filter((p) => options.phases.has(p));
  if (options.phases.has('relay')) relayRuns.push(await relayChat('before'));

  let postgres: ServerFigures | null = null;
  let embedded: ServerFigures | null = null;
  let postgresStored: StoredFigures | null = null;
  let embeddedStored: StoredFigures | null = null;
  let pgIdle: IdleResult | null = null;
  let leads: LeadsResult[] = [];
  const wantsPostgresServer = ['postgres', 'leads'].some((p) => options.phases.has(p));
  if (wantsPostgresServer) {
    const server = await spawnPostgresServer({ pgAdminUrl: options.pgUrl, redisUrl: options.redisUrl, nodeArgs });
    try {
      if (options.phases.has('postgres')) {
        postgres = await serverChat(server);
        if (options.phases.has('stored')) postgresStored = await storedPostgres(server);
      }
      if (options.phases.has('leads')) leads = await leadPhase(server);
    } finally {
      await server.cleanup();
    }
  }
  if (options.phases.has('idle')) {
    // A fresh server, as the relay's idle phase gets: its RSS growth is the sockets', not what earlier phases left in the heap.
    const server = await spawnPostgresServer({ pgAdminUrl: options.pgUrl, redisUrl: options.redisUrl, nodeArgs });
    try {
      const tenant = await newTenant(server.url);
      pgIdle = await runIdle(server.url, server.pid, options.idle, () => ({ projectId: tenant.projectId }), true);
      say(`pingstreams postgres idle: ${pgIdle.sockets} sockets (${pgIdle.failed} failed), ${fmt(pgIdle.handshakesPerSecond, 0)} handshakes/s, ${fmt(pgIdle.bytesPerSocket / 1024)} KiB RSS per socket, server CPU ${fmt(pgIdle.cpuMicrosPerHandshake, 0)} µs per handshake`);
    } finally {
      await server.cleanup();
    }
  }
  if (chatPhases.includes('embedded')) {
    let server = await spawnEmbeddedServer({ nodeArgs });
    try {
      embedded = await serverChat(server);
      if (options.phases.has('stored')) {
        // PGlite is in the server's process and the folder is locked: stop it, load, start it again.
        const history = await newTenant(server.url);
        await server.stop();
        const dataDir = server.dataDir!;
        const loadSeconds = await loadMessagesEmbedded(path.join(dataDir, 'pgdata'), history.projectId, options.stored);
        say(`embedded: ${count(options.stored)} messages in ${count(Math.ceil(options.stored / PER_CONVERSATION))} conversations loaded (PGlite, server stopped) in ${fmt(loadSeconds)} s`);
        server = await spawnEmbeddedServer({ nodeArgs, dataDir });
        embeddedStored = { ...(await serverChat(server, storedLabel('embedded'))), stored: options.stored, loadSeconds };
      }
    } finally {
      await server.cleanup();
    }
  }
  if (options.phases.has('relay') && chatPhases.length > 0) relayRuns.push(await relayChat('after'));

  let relayIdle: IdleResult | null = null;
  if (options.phases.has('idle') && options.phases.has('relay')) {
    const relay = await spawnRelay();
    try {
      relayIdle = await runIdle(relay.url, relay.pid, options.idle, () => ({ room: 'idle' }), false);
      say(`relay idle: ${relayIdle.sockets} sockets (${relayIdle.failed} failed), ${fmt(relayIdle.handshakesPerSecond, 0)} handshakes/s, ${fmt(relayIdle.bytesPerSocket / 1024)} KiB RSS per socket, server CPU ${fmt(relayIdle.cpuMicrosPerHandshake, 0)} µs per handshake`);
    } finally {
      await relay.stop();
    }
  }

  judge(relayRuns, postgres, embedded, pgIdle, relayIdle, leads);
  judgeStored('postgres', postgres, postgresStored);
  judgeStored('embedded', embedded, embeddedStored);
  targets.print();
  process.exitCode = targets.missed() ? 1 : 0;
}

/** A project's history loaded beside the running server, then the chat workload again. */
async function storedPostgres(server: ServerUnderTest): Promise<StoredFigures> {
  const history = await newTenant(server.url);
  const loadSeconds = await loadMessagesPostgres(server.databaseUrl!, history.projectId, options.stored);
  say(`postgres: ${count(options.stored)} messages in ${count(Math.ceil(options.stored / PER_CONVERSATION))} conversations loaded in ${fmt(loadSeconds)} s`);
  return { ...(await serverChat(server, storedLabel('postgres'))), stored: options.stored, loadSeconds };
}

async function leadPhase(server: ServerUnderTest): Promise<LeadsResult[]> {
  const tenant = await newTenant(server.url);
  const results: LeadsResult[] = [];
  let loaded = 0;
  for (const size of options.leads) {
    const loadSeconds = await loadLeads(server.databaseUrl!, tenant.projectId, loaded, size);
    loaded = size;
    const r = { ...(await measureLeads(server.url, tenant, size, options.samples)), loadSeconds };
    say(`leads ${size} (loaded in ${fmt(loadSeconds)} s): email p50 ${fmt(r.emailP50, 2)} ms p99 ${fmt(r.emailP99, 2)} ms, substring p50 ${fmt(r.searchP50, 2)} ms p99 ${fmt(r.searchP99, 2)} ms; GET /healthz on the same server p50 ${fmt(r.floorP50, 2)} ms p99 ${fmt(r.floorP99, 2)} ms`);
    results.push(r);
  }
  return results;
}

function judge(relayRuns: ChatResult[], postgres: ServerFigures | null, embedded: ServerFigures | null, pgIdle: IdleResult | null, relayIdle: IdleResult | null, leads: LeadsResult[]): void {
  const mean = (f: (r: ChatResult) => number) => relayRuns.reduce((s, r) => s + f(r), 0) / relayRuns.length;
  const baseline = relayRuns.length > 0 ? { perSecond: mean((r) => r.perSecond), deliveredP99: mean((r) => r.deliveredP99) } : null;
  if (baseline) say(`relay baseline (mean of ${relayRuns.length}): ${fmt(baseline.perSecond, 0)} msg/s, visitor→agent p99 ${fmt(baseline.deliveredP99)} ms`);
  for (const figures of [postgres, embedded]) {
    if (!figures) continue;
    const name = figures === postgres ? 'postgres' : 'embedded';
    targets.check(`${name}: no failed sends, every message delivered`, figures.chat.errors + figures.chat.undelivered, '=', 0);
    targets.check(`${name}: mean group-commit batch (messages)`, figures.meanBatch, '>', 1);
    if (baseline && figures === embedded) targets.info(`${name}: persisted msg/s ÷ relay`, figures.chat.perSecond / baseline.perSecond);
  }
  if (postgres && baseline) {
    targets.check('postgres: persisted msg/s ÷ relay', postgres.chat.perSecond / baseline.perSecond, '>=', 0.3);
    targets.check('postgres: visitor→agent p99 ÷ relay', postgres.chat.deliveredP99 / baseline.deliveredP99, '<=', 3);
  }
  if (embedded) {
    targets.check('embedded: ack p99 (ms)', embedded.chat.ackP99, '<=', 100);
    if (postgres) targets.check('embedded msg/s ÷ postgres msg/s', embedded.chat.perSecond / postgres.chat.perSecond, '>=', 0.7);
  }
  if (pgIdle) {
    targets.check(`idle sockets connected (of ${options.idle})`, pgIdle.sockets, '>=', options.idle);
    if (relayIdle) {
      targets.check('handshakes/s ÷ relay', pgIdle.handshakesPerSecond / relayIdle.handshakesPerSecond, '>=', 0.7);
      targets.check('RSS per idle socket ÷ relay', pgIdle.bytesPerSocket / relayIdle.bytesPerSocket, '<=', 1.3);
    }
  }
  const largest = leads.at(-1);
  if (largest) {
    targets.check(`email lookup p99 at ${largest.leads} leads (ms)`, largest.emailP99, '<', 5);
    targets.check(`substring search p99 at ${largest.leads} leads (ms)`, largest.searchP99, '<', 50);
  }
}

/** Flat cost: as many messages per second beside the stored ones as on the empty database. */
function judgeStored(name: string, empty: ServerFigures | null, stored: StoredFigures | null): void {
  if (!empty || !stored) return;
  targets.check(`${name} + ${short(stored.stored)} stored: no failed sends, all delivered`, stored.chat.errors + stored.chat.undelivered, '=', 0);
  targets.check(`${name}: msg/s with ${short(stored.stored)} stored ÷ empty database`, stored.chat.perSecond / empty.chat.perSecond, '>=', 0.8);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 2;
});
