/** The embedded database checkpoints by itself (PGlite has no checkpointer), so its WAL stays bounded. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { pino } from 'pino';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { keepCheckpoints } from '../../src/db/checkpoints.js';
import { sleep } from '../support/clients.js';

const MiB = 2 ** 20;

describe('embedded database: checkpoints', function () {
  this.timeout(120_000);
  let dir: string;
  let db: Database;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-checkpoints-'));
    db = openDatabase({ kind: 'pglite', dataDir: dir }, { diskReserveBytes: 0 });
    await db.knex.raw('create table filler (id serial primary key, body text)');
  });
  after(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const redo = async (): Promise<string> => (await db.knex.raw('select redo_lsn::text as lsn from pg_control_checkpoint()')).rows[0].lsn;
  const walSinceRedo = async (): Promise<number> =>
    (await db.knex.raw('select pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 as n from pg_control_checkpoint()')).rows[0].n;
  const walFiles = async (): Promise<number> => (await db.knex.raw('select count(*)::int as n from pg_ls_waldir()')).rows[0].n;
  /** About `mib` MiB of WAL (a row of 1,000 bytes writes about 1.1 kB). */
  const write = (mib: number) => db.knex.raw(`insert into filler (body) select repeat('x', 1000) from generate_series(1, ?)`, [mib * 800]);
  const silent = pino({ level: 'silent' });

  it('never checkpoints by itself: the WAL since the redo point only grows', async () => {
    const start = await redo();
    const before = await walSinceRedo();
    await write(40);
    await sleep(200);
    expect(await redo()).to.equal(start);
    expect((await walSinceRedo()) - before).to.be.greaterThan(30 * MiB);
  });

  it('checkpoints once maxWalBytes are written since the last redo point, and the WAL files stop growing', async () => {
    const stop = keepCheckpoints(db, silent, { checkEveryMs: 50, maxWalBytes: 8 * MiB, timeoutMs: 3_600_000 });
    try {
      // What the previous test left is over the limit: the first look checkpoints.
      for (let i = 0; i < 100 && (await walSinceRedo()) >= 8 * MiB; i++) await sleep(20);
      expect(await walSinceRedo()).to.be.lessThan(8 * MiB);
      const files = await walFiles();
      for (let round = 0; round < 10; round++) {
        await write(6);
        await sleep(150);
      }
      // 60 MiB more written, at most one limit's worth plus a round left un-checkpointed, and old segments recycled.
      expect(await walSinceRedo()).to.be.lessThan(16 * MiB);
      expect(await walFiles()).to.be.at.most(Math.max(files, 8));
    } finally {
      stop();
    }
  });

  it('checkpoints timeoutMs after the last one if anything was written since, and not when nothing was', async () => {
    const stop = keepCheckpoints(db, silent, { checkEveryMs: 50, maxWalBytes: 1024 * MiB, timeoutMs: 300 });
    try {
      await write(1);
      const before = await redo();
      for (let i = 0; i < 100 && (await redo()) === before; i++) await sleep(20);
      const after = await redo();
      expect(after).to.not.equal(before);
      // Nothing written since: no checkpoint follows, however long it waits.
      await sleep(1_000);
      expect(await redo()).to.equal(after);
      await write(1);
      for (let i = 0; i < 100 && (await redo()) === after; i++) await sleep(20);
      expect(await redo()).to.not.equal(after);
    } finally {
      stop();
    }
  });
});
