/**
 * What "acked means durable" costs on the embedded default, in messages/s on this machine:
 * PGlite as it comes (fsync off) against ours (the WAL fsynced at every commit). Not part of
 * `npm test` (it measures, it does not check); run it with
 *   node --import tsx test/faults/durability-cost.bench.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { ownerWithProject } from '../support/clients.js';
import { appOnFolder, send, type FolderApp } from '../support/embedded-app.js';
import { tempDataDir } from '../support/ops-fixtures.js';

const SEQUENTIAL = 300;
const VISITORS = 20;
const IN_FLIGHT = 25;

/** One visitor awaiting each ack (one commit, so one fsync, per message) and many visitors with sends in flight (group commit). */
async function throughput(app: FolderApp, projectId: string) {
  const one = await app.visitorConversation(projectId);
  for (let i = 0; i < 30; i++) await send(one.socket, one.conversationId, `warm ${i}`);
  let started = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) await send(one.socket, one.conversationId, `one by one ${i}`);
  const sequential = SEQUENTIAL / ((performance.now() - started) / 1000);
  const visitors = await Promise.all(Array.from({ length: VISITORS }, () => app.visitorConversation(projectId)));
  started = performance.now();
  const before = app.db.fsyncs()!;
  await Promise.all(visitors.map((v) => Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => send(v.socket, v.conversationId, `burst ${i}`)))));
  const pipelined = (VISITORS * IN_FLIGHT) / ((performance.now() - started) / 1000);
  return { sequential, pipelined, burstFsyncs: app.db.fsyncs()! - before };
}

/** Commits/s of single-row INSERTs, each its own transaction: the database alone, no sockets. */
async function commitsPerSecond(app: FolderApp, count = 300) {
  await app.db.knex.raw('create table if not exists bench_commits (id serial primary key, note text)');
  const started = performance.now();
  for (let i = 0; i < count; i++) await app.db.knex('bench_commits').insert({ note: `commit ${i}` });
  return count / ((performance.now() - started) / 1000);
}

/**
 * Median latency of one 8 KB write + fsync in the temp folder: the price of one durable commit on
 * this disk. Spread out like commits are (back to back, the file's times do not change and the
 * journal has nothing to commit: ten times cheaper, and not what a server sees).
 */
async function fsyncLatencyMs(dir: string, count = 200) {
  const fd = fs.openSync(path.join(dir, 'fsync-probe'), 'w');
  const page = Buffer.alloc(8192, 1);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    fs.writeSync(fd, page, 0, page.length, (i % 64) * page.length);
    const started = performance.now();
    fs.fsyncSync(fd);
    times.push(performance.now() - started);
  }
  fs.closeSync(fd);
  return median(times);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rounds: { durable: boolean; sequential: number; pipelined: number; burstFsyncs: number; commits: number }[] = [];
// Interleaved rounds: the machine is shared, so a slow moment hits both sides.
for (const durable of [false, true, false, true, false, true]) {
  const data = tempDataDir('bench');
  const app = await appOnFolder(data.dir, { durable });
  try {
    const { projectId } = await ownerWithProject(app.url);
    rounds.push({ durable, ...(await throughput(app, projectId)), commits: await commitsPerSecond(app) });
    console.log(JSON.stringify(rounds.at(-1)));
  } finally {
    await app.close();
    data.remove();
  }
}
for (const durable of [false, true]) {
  const mine = rounds.filter((r) => r.durable === durable);
  console.log(
    `${durable ? 'fsync on ' : 'fsync off'}: one visitor awaiting each ack ${Math.round(median(mine.map((r) => r.sequential)))}/s; ` +
      `${VISITORS} visitors × ${IN_FLIGHT} in flight ${Math.round(median(mine.map((r) => r.pipelined)))}/s (${median(mine.map((r) => r.burstFsyncs))} fsyncs for ${VISITORS * IN_FLIGHT} messages); ` +
      `single-row commits ${Math.round(median(mine.map((r) => r.commits)))}/s`,
  );
}
const probe = tempDataDir('fsync');
console.log(`one 8 KB write + fsync here: ${(await fsyncLatencyMs(probe.dir)).toFixed(2)} ms (median of 200)`);
probe.remove();
process.exit(0);
