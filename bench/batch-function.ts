/**
 * What the group commit's database function costs per message, apart from everything else, for
 * the function the migrations leave and for the body of an earlier migration: two databases
 * migrated to the latest, the second then given the earlier body by running that migration's
 * `up` again. Each is fed the same kind of batch (43 visitor messages to as many of 100
 * conversations, access checked, as in the bench's chat phase) through WRITE_SQL's statement,
 * in alternated rounds, and the time per message is printed per round with the median, and the
 * WAL written per message (pg_current_wal_lsn before and after each round).
 *
 * On the embedded database (PGlite in memory, the default) PostgreSQL runs on this thread: the
 * wall time of the calls is its CPU. On PostgreSQL (`--database=postgres://…`, two throwaway
 * databases made with createdb on that server) it is the backend's CPU (user + system, from /proc).
 * Not part of `npm run bench`: run it on its own, on a quiet machine.
 *
 *   npx tsx bench/batch-function.ts                                   # PGlite, vs 20261205090000
 *   npx tsx bench/batch-function.ts --rounds=12 --batches=100
 *   npx tsx bench/batch-function.ts --database=postgres://postgres@127.0.0.1:5432/postgres
 *   npx tsx bench/batch-function.ts --previous=20261203090000_message_batch_function
 *   npx tsx bench/batch-function.ts --analyze-empty    # ANALYZE once the conversations exist, before any message
 *   npx tsx bench/batch-function.ts --upkeep           # PGlite: keepVacuumed running, as in the embedded server
 *   npx tsx bench/batch-function.ts --stored=1000000   # the latest body, empty database against one beside stored messages
 *
 * With --stored the load ends with a CHECKPOINT, as the bench's stored phase does: the rounds
 * after it write each page of the random-keyed primary key whole into the WAL on its first change
 * (PGlite: 3,912 then 1,505 bytes a message in the first two rounds, then ~750 as on the empty side).
 *
 * With --analyze-empty the cost per message grows round after round on both databases (PGlite:
 * 197 → 495 µs over 8 rounds): the generic plan the function keeps, made from statistics that say
 * `messages` is empty, probes retries through the (conversation_id, seq) index and filters every
 * message of the conversation. Without it (tables never analyzed) the cost stays flat. The
 * embedded server's bench phase, whose ANALYZE at start finds every table empty, stays flat too
 * (docs/performance.md, fourteenth round). With --upkeep the server's own upkeep runs
 * (src/db/vacuum.ts: its VACUUM (ANALYZE) at start sees `messages` empty, as --analyze-empty
 * does, and each table that doubles is analyzed again): 153–222 µs over 8 rounds, no growth
 * (the rounds' wall time includes those ANALYZEs).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import pg from 'pg';
import { pino } from 'pino';
import { openDatabase, type Database } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { keepVacuumed } from '../src/db/vacuum.js';
import { MIGRATIONS_DIR } from '../src/db/migration-source.js';
// The statement the writer sends.
import { WRITE_SQL } from '../src/conversations/message-writer.js';
import { throwawayDatabase } from './servers.js';
import { cpuMicrosOf } from './stats.js';
import { batchBody, loadHistory, openConversations, type WriteTarget } from './write-fixture.js';

const { values: args } = parseArgs({
  options: {
    database: { type: 'string' },
    previous: { type: 'string', default: '20261205090000_message_batch_outbox_lateral' },
    rounds: { type: 'string', default: '8' },
    batches: { type: 'string', default: '150' },
    size: { type: 'string', default: '43' },
    'analyze-empty': { type: 'boolean', default: false },
    upkeep: { type: 'boolean', default: false },
    stored: { type: 'string', default: '0' },
  },
});
const rounds = Number(args.rounds);
const stored = Number(args.stored);
const batches = Number(args.batches);
const size = Number(args.size);

interface Side {
  name: string;
  db: Database;
  /** Runs WRITE_SQL with one batch. */
  write(body: string): Promise<{ rows: [{ answers: [string][] }] }>;
  /** The CPU seconds of the connection that runs the batches (null: this process's thread, timed by the wall clock). */
  cpu: (() => number) | null;
  target: WriteTarget;
  drop(): Promise<void>;
}

async function open(name: string, previous: boolean, storedMessages = 0): Promise<Side> {
  let db: Database;
  let url = '';
  let drop = async () => {};
  if (args.database) {
    const database = throwawayDatabase(args.database, `batch_fn_${name}`);
    url = database.url;
    db = openDatabase({ kind: 'postgres', url });
    drop = async () => database.drop();
  } else {
    db = openDatabase({ kind: 'pglite-memory' });
  }
  await migrateToLatest(db);
  if (previous) {
    const migration = (await import(pathToFileURL(`${MIGRATIONS_DIR}${args.previous}.ts`).href)) as { up(k: Knex): Promise<void> };
    await migration.up(db.knex);
  }
  const k = db.knex;
  const target = await openConversations(k, 'batch function');
  if (storedMessages > 0) {
    const started = performance.now();
    await loadHistory(k, storedMessages);
    // As the bench's stored phase does: its dirty pages written out now, not during the rounds.
    await k.raw('checkpoint');
    console.log(`${name}: ${storedMessages} messages loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  // Statistics taken now would say `messages` is empty (see --analyze-empty above).
  if (args['analyze-empty']) await k.raw('analyze');
  if (!args.database) {
    // As the embedded server does from its start: VACUUM (ANALYZE) now, then tables that doubled analyzed (see --upkeep above).
    const stopUpkeep = args.upkeep ? keepVacuumed(db, pino({ level: 'silent' })) : () => {};
    const write = (body: string) => k.raw(WRITE_SQL, [body]) as Promise<{ rows: [{ answers: [string][] }] }>;
    return { name, db, write, cpu: null, target, drop: async () => { stopUpkeep(); await db.close(); await drop(); } };
  }
  // One connection of its own, whose backend is the one measured (clock ticks of 10 ms in /proc).
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const pid = Number((await client.query('select pg_backend_pid() as pid')).rows[0].pid);
  const sql = WRITE_SQL.replace('?', '$1');
  const write = (body: string) => client.query({ name: 'write', text: sql, values: [body] }) as unknown as Promise<{ rows: [{ answers: [string][] }] }>;
  const cpu = () => cpuMicrosOf(pid) / 1e6;
  const close = async () => {
    await client.end();
    await db.close();
    await drop();
  };
  return { name, db, write, cpu, target, drop: close };
}

const walBytes = new Map<string, number[]>();
async function walLsn(side: Side): Promise<string> {
  const { rows } = await side.db.knex.raw('select pg_current_wal_lsn()::text as lsn');
  return rows[0].lsn;
}

/** µs per message for `batches` batches (and the WAL bytes per message, into walBytes). */
async function round(side: Side): Promise<number> {
  const bodies = Array.from({ length: batches }, () => batchBody(side.target, size));
  for (let i = 0; i < 10; i++) await side.write(batchBody(side.target, size));
  const lsnBefore = await walLsn(side);
  const wall = performance.now();
  const cpu = side.cpu?.() ?? 0;
  for (const body of bodies) {
    // A turn of the event loop per batch, as the group commit takes before each one (on PGlite a
    // query resolves in microtasks: without it this loop would never let the event loop run).
    await nextTurn();
    const { rows } = await side.write(body);
    if (rows[0].answers.some(([outcome]) => outcome !== 'created')) throw new Error(`${side.name}: a message was not created`);
  }
  const seconds = side.cpu ? side.cpu() - cpu : (performance.now() - wall) / 1000;
  const { rows } = await side.db.knex.raw('select pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn)::float8 as bytes', [lsnBefore]);
  if (!walBytes.has(side.name)) walBytes.set(side.name, []);
  walBytes.get(side.name)!.push(rows[0].bytes / (batches * size));
  return (seconds * 1e6) / (batches * size);
}

// With --stored: the latest body on an empty database and beside the stored messages (the loader ends with VACUUM (ANALYZE); with --upkeep both sides get the server's).
const sides = stored > 0 ? [await open('empty', false), await open('stored', false, stored)] : [await open('latest', false), await open('previous', true)];
const results = new Map<string, number[]>(sides.map((s) => [s.name, []]));
console.log(`batch function: ${args.database ? 'PostgreSQL backend CPU' : 'PGlite in memory, wall time'}, ${rounds} rounds of ${batches} batches of ${size} messages; ` + (stored > 0 ? `empty database against ${stored} stored messages` : `previous = ${args.previous}`));
try {
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? sides : [...sides].reverse()) results.get(side.name)!.push(await round(side));
  }
} finally {
  for (const side of sides) await side.drop();
}
for (const [name, values] of results) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${name.padEnd(9)} µs per message: ${values.map((v) => v.toFixed(1)).join(' ')}   median ${sorted[sorted.length >> 1]!.toFixed(1)}`);
  console.log(`${name.padEnd(9)} WAL bytes per message: ${walBytes.get(name)!.map((v) => v.toFixed(0)).join(' ')}`);
}
