/**
 * What the embedded database's checkpoint limit (src/db/checkpoints.ts, maxWalBytes) costs per
 * message, on PGlite on disk as the server opens it: an empty database, or one beside `--stored`
 * messages (bench/stored.ts's load, random v4 ids as the server makes them), then 50-message
 * batches of the group commit's statement (WRITE_SQL) until the WAL since the last checkpoint
 * reaches each limit, then a CHECKPOINT; two such cycles per limit. Per cycle: messages, WAL
 * bytes per message, µs per message writing, the checkpoint's ms, and the whole per message.
 *
 * After a checkpoint the first change of each page writes it whole into the WAL
 * (full_page_writes); the primary key's pages are random, so the closer the checkpoints and the
 * larger the table, the more of a message's cost is whole pages (docs/performance.md, sixteenth round).
 *
 * With --crash: for each limit, a child process writes until that much WAL is past the last
 * checkpoint and exits without closing (as a crash would leave the folder), and the time to open
 * the folder again (replaying that WAL) is printed.
 *
 * Not part of `npm run bench`: run it on its own, on a quiet machine.
 *
 *   npx tsx bench/checkpoint-distance.ts                              # --stored=1000000 --limits=32,128,256
 *   npx tsx bench/checkpoint-distance.ts --stored=0 --limits=32,128
 *   npx tsx bench/checkpoint-distance.ts --crash --limits=32,128
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { openDatabase, type Database } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { WRITE_SQL } from '../src/conversations/message-writer.js';
import { batchBody, loadHistory, openConversations, type WriteTarget } from './write-fixture.js';

const { values: args } = parseArgs({
  options: {
    stored: { type: 'string', default: '1000000' },
    limits: { type: 'string', default: '32,128,256' },
    crash: { type: 'boolean', default: false },
    // Internal: the child of --crash, writing into this folder until this many MB past the checkpoint.
    'crash-writer': { type: 'string' },
    mb: { type: 'string' },
  },
});
const MiB = 2 ** 20;
const BATCH = 50;

interface Target extends WriteTarget {
  db: Database;
}

/** A migrated database in `pgdata` with one project of 100 open conversations, beside `stored` messages of another. */
async function prepare(pgdata: string, stored: number): Promise<Target> {
  const db = openDatabase({ kind: 'pglite', dataDir: pgdata });
  await migrateToLatest(db);
  const target = await openConversations(db.knex, 'checkpoint distance');
  if (stored > 0) {
    const started = performance.now();
    await loadHistory(db.knex, stored);
    console.log(`${stored} messages loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await db.knex.raw('checkpoint');
  return { db, ...target };
}

async function writeBatch(t: Target): Promise<void> {
  const body = batchBody(t, BATCH);
  // A turn of the event loop per batch, as the group commit takes before each one.
  await nextTurn();
  await t.db.knex.raw(WRITE_SQL, [body]);
}

/** WAL bytes since the last checkpoint's redo point. */
async function sinceRedo(db: Database): Promise<number> {
  const { rows } = await db.knex.raw('select pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 as bytes from pg_control_checkpoint()');
  return rows[0].bytes;
}

/** Writes until `limit` bytes of WAL are past the last checkpoint (looked at every 1,000 messages); returns the messages written. */
async function writeUntil(t: Target, limit: number): Promise<number> {
  let messages = 0;
  do {
    await writeBatch(t);
    messages += BATCH;
  } while (messages % 1000 !== 0 || (await sinceRedo(t.db)) < limit);
  return messages;
}

const limits = args.limits.split(',').map((mb) => Number(mb) * MiB);
const folder = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-checkpoint-'));

if (args['crash-writer']) {
  const t = await prepare(args['crash-writer'], 0);
  const messages = await writeUntil(t, Number(args.mb) * MiB);
  console.log(JSON.stringify({ messages, walBytes: await sinceRedo(t.db) }));
  // No close: the folder is left as a crash leaves it.
  process.exit(0);
} else if (args.crash) {
  for (const limit of limits) {
    const dir = folder();
    const pgdata = path.join(dir, 'pgdata');
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `--crash-writer=${pgdata}`, `--mb=${limit / MiB}`], { maxBuffer: 1 << 24 });
      const written = JSON.parse(stdout.trim().split('\n').at(-1)!) as { messages: number; walBytes: number };
      const started = performance.now();
      const db = openDatabase({ kind: 'pglite', dataDir: pgdata });
      const { rows } = await db.knex.raw('select count(*)::int as n from messages');
      const seconds = (performance.now() - started) / 1000;
      await db.close();
      console.log(`limit ${limit / MiB} MB: ${written.messages} messages, ${(written.walBytes / MiB).toFixed(0)} MB of WAL past the checkpoint, then exit without closing; opened again in ${seconds.toFixed(2)} s with ${rows[0].n} messages`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
} else {
  const dir = folder();
  try {
    const t = await prepare(path.join(dir, 'pgdata'), Number(args.stored));
    console.log(`checkpoint distance: PGlite on disk, ${Number(args.stored)} stored messages, ${BATCH}-message batches`);
    for (const limit of limits) {
      for (let cycle = 1; cycle <= 2; cycle++) {
        const started = performance.now();
        const messages = await writeUntil(t, limit);
        const writeMs = performance.now() - started;
        const wal = await sinceRedo(t.db);
        const checkpointStarted = performance.now();
        await t.db.knex.raw('checkpoint');
        const checkpointMs = performance.now() - checkpointStarted;
        const perMessage = (ms: number) => ((ms * 1000) / messages).toFixed(1);
        console.log(
          `limit ${limit / MiB} MB, cycle ${cycle}: ${messages} messages, ${(wal / messages).toFixed(0)} B of WAL each, writing ${perMessage(writeMs)} µs/msg, ` +
            `checkpoint ${checkpointMs.toFixed(0)} ms (${perMessage(checkpointMs)} µs/msg), in all ${perMessage(writeMs + checkpointMs)} µs/msg`,
        );
      }
    }
    await t.db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
