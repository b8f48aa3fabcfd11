/**
 * What the cross-process fan-out costs per message, apart from everything else: the two emits of
 * Notifier.messageCreated (the lead's room on /visitor, the agent's room on /agent, each except
 * the sender's socket), with no socket connected, on Socket.IO's in-memory adapter and on the
 * batched Redis streams adapter the server uses with REDIS_URL. Prints the process's CPU per
 * message (user + system) for five rounds of 30,000 messages, yielding every 45 (a group-commit
 * batch's worth). The difference is what Redis adds: encoding each broadcast, the XADD, and
 * reading the process's own entries back. Not part of `npm run bench`: run it on its own.
 *
 *   npx tsx bench/fanout-cost.ts            # REDIS_URL, default redis://127.0.0.1:6379
 */
import { Server, type Namespace } from 'socket.io';
import pino from 'pino';
import { AdapterRedis } from '../src/realtime/adapter-redis.js';
import { batchedStreamAdapter } from '../src/realtime/batched-stream-adapter.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'warn' });
const ROUNDS = 5;
const MESSAGES = 30_000;
const BATCH = 45;
const STREAM = 'pingstreams-fanout-cost';

/** A message as the server emits it (the shape of src/conversations/message.store.ts's Message). */
const message = {
  id: '3f0c6a52-8a5e-4c47-9a3f-6b0b2d2f9a10',
  conversationId: '9b1d7c0e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
  clientMessageId: '5d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a',
  seq: 42,
  sender: { type: 'visitor', id: 'a0b1c2d3-e4f5-4a6b-8c9d-0e1f2a3b4c5d' },
  text: 'bench message 42',
  attributes: {},
  private: false,
  createdAt: new Date(),
};

async function measure(visitors: Namespace, agents: Namespace): Promise<number[]> {
  const perMessage: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < MESSAGES; i++) {
      visitors.to(`lead:${i % 100}`).except(`socket-${i}`).emit('message:created', message);
      agents.to([`agent:p:${i % 100}`]).except(`socket-${i}`).emit('message:created', message);
      if (i % BATCH === BATCH - 1) await new Promise((resolve) => setImmediate(resolve));
    }
    // What the adapter does after the loop (its flush, reading its entries back) counts too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const used = process.cpuUsage(before);
    perMessage.push((used.user + used.system) / MESSAGES);
  }
  return perMessage;
}

async function run(name: string, adapter?: 'redis'): Promise<AdapterRedis | null> {
  const redis = adapter ? new AdapterRedis(redisUrl, logger) : null;
  const io = new Server(redis ? { adapter: batchedStreamAdapter(redis, STREAM, logger) as never } : {});
  const visitors = io.of('/visitor');
  const agents = io.of('/agent');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const figures = await measure(visitors, agents);
  console.log(`${name.padEnd(44)} µs CPU per message (two emits), round by round: ${figures.map((f) => f.toFixed(1)).join(' ')}`);
  // No HTTP server is attached (io.close() would need one): close each namespace's adapter, the
  // main one included, which stops the stream's reader. The Redis connection stays open until the
  // end (disconnecting it under a reader still polling made the reader spin).
  for (const nsp of [io.of('/'), visitors, agents]) void nsp.adapter.close();
  return redis;
}

const connections: (AdapterRedis | null)[] = [];
for (let pair = 0; pair < 2; pair++) {
  connections.push(await run('in-memory adapter'));
  connections.push(await run('batched Redis streams adapter', 'redis'));
}
const last = connections.find((c) => c !== null);
await last?.del(STREAM);
process.exit(0);
