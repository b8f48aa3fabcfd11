/**
 * The batched streams adapter on its own: two Socket.IO servers sharing a Redis stream, as two
 * Pingstreams processes do. What one server emits in one turn, on any of its namespaces, reaches
 * the other's sockets whole and in emit order, binary included (which leaves as the library's
 * own entry).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { batchedStreamAdapter } from '../../src/realtime/batched-stream-adapter.js';
import { usingRedis } from '../support/test-config.js';

interface Node {
  io: Server;
  http: HttpServer;
  redis: Redis;
  url: string;
}

async function startNode(streamName: string): Promise<Node> {
  const redis = new Redis(process.env.REDIS_URL!);
  const http = createServer();
  const io = new Server(http, { adapter: batchedStreamAdapter(redis, streamName, pino({ level: 'silent' })) });
  io.on('connection', (socket) => void socket.join('room'));
  // A second namespace, as Pingstreams has /visitor and /agent: its room has the same name.
  io.of('/other').on('connection', (socket) => void socket.join('room'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, http, redis, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function stopNode(node: Node): Promise<void> {
  await node.io.close();
  node.redis.disconnect();
}

/** Resolves once `count` events have arrived on the socket, with them in arrival order. */
function received(socket: Socket, count: number): Promise<unknown[][]> {
  const events: unknown[][] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${events.length} of ${count} events arrived`)), 5_000);
    const listener = (...args: unknown[]) => {
      events.push(args);
      if (events.length < count) return;
      socket.offAny(listener);
      clearTimeout(timer);
      resolve(events);
    };
    socket.onAny(listener);
  });
}

if (usingRedis()) {
  describe('batched streams adapter (Redis)', () => {
    let a: Node;
    let b: Node;
    let client: Socket;
    let otherClient: Socket;
    const streamName = `pingstreams-test-${randomUUID()}`;

    before(async () => {
      a = await startNode(streamName);
      b = await startNode(streamName);
      client = connect(b.url, { transports: ['websocket'], forceNew: true });
      otherClient = connect(`${b.url}/other`, { transports: ['websocket'], forceNew: true });
      await Promise.all([client, otherClient].map((socket) => new Promise<void>((resolve) => socket.once('connect', () => resolve()))));
      // Both servers read the stream from where it was when they started: wait until A's
      // emits reach B (the first may precede B's first read).
      const probe = new Promise<void>((resolve) => client.once('probe', () => resolve()));
      const ping = setInterval(() => a.io.to('room').emit('probe'), 50);
      await probe.finally(() => clearInterval(ping));
      await new Promise((resolve) => setTimeout(resolve, 100));
    });

    after(async () => {
      client.disconnect();
      otherClient.disconnect();
      await stopNode(a);
      await stopNode(b);
      const redis = new Redis(process.env.REDIS_URL!);
      await redis.del(streamName);
      redis.disconnect();
    });

    it('what one turn emits reaches the other process in order: JSON, then binary, then JSON again', async () => {
      const arrivals = received(client, 5);
      a.io.to('room').emit('m', { n: 1, text: 'quotes " and \\ survive' });
      a.io.to('room').emit('m', { n: 2, nested: { list: [1, 'two', null] } });
      a.io.to('room').emit('bin', Buffer.from([0, 1, 2, 255]));
      a.io.to('room').emit('m', { n: 3 });
      a.io.to('room').emit('m', 'a bare string', 42);
      const events = await arrivals;
      expect(events[0]).to.deep.equal(['m', { n: 1, text: 'quotes " and \\ survive' }]);
      expect(events[1]).to.deep.equal(['m', { n: 2, nested: { list: [1, 'two', null] } }]);
      expect(events[2]![0]).to.equal('bin');
      expect(Buffer.from(events[2]![1] as ArrayBuffer)).to.deep.equal(Buffer.from([0, 1, 2, 255]));
      expect(events[3]).to.deep.equal(['m', { n: 3 }]);
      expect(events[4]).to.deep.equal(['m', 'a bare string', 42]);
    });

    it('one turn leaves as one stream entry, and room changes made by one process apply on the other', async () => {
      const arrivals = received(client, 3);
      const marker = randomUUID();
      for (let n = 1; n <= 3; n++) a.io.to('room').emit('m', { n, marker });
      expect((await arrivals).map((event) => (event[1] as { n: number }).n)).to.deep.equal([1, 2, 3]);
      // Heartbeats share the stream: count only the entries that carry these three.
      const entries = (await a.redis.xrange(streamName, '-', '+')).filter(([, fields]) => fields.some((field) => field.includes(marker)));
      expect(entries).to.have.length(1);

      // socketsJoin travels the same way: A puts B's socket into another room, then emits to it.
      a.io.in('room').socketsJoin('other');
      const toOther = received(client, 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      a.io.to('other').emit('joined', { ok: true });
      expect(await toOther).to.deep.equal([['joined', { ok: true }]]);
    });

    it("one turn's emits on two namespaces leave as one entry, and each reaches its own namespace's sockets in order", async () => {
      const marker = randomUUID();
      const toRoot = received(client, 3);
      const toOther = received(otherClient, 3);
      for (let n = 1; n <= 3; n++) {
        a.io.to('room').emit('m', { n, marker, nsp: '/' });
        a.io.of('/other').to('room').emit('m', { n, marker, nsp: '/other' });
      }
      const [root, other] = await Promise.all([toRoot, toOther]);
      expect(root).to.deep.equal([1, 2, 3].map((n) => ['m', { n, marker, nsp: '/' }]));
      expect(other).to.deep.equal([1, 2, 3].map((n) => ['m', { n, marker, nsp: '/other' }]));
      const entries = (await a.redis.xrange(streamName, '-', '+')).filter(([, fields]) => fields.some((field) => field.includes(marker)));
      expect(entries).to.have.length(1);
    });

    it('the stream stays bounded: 1,500 turns leave about 1,000 entries (MAXLEN ~ trims whole nodes of 100)', async () => {
      const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
      for (let n = 0; n < 1_500; n++) {
        a.io.to('nobody').emit('m', { n, padding: 'x'.repeat(200) });
        await turn();
      }
      // The XADDs went out on this connection: a command after them is answered after them.
      await a.redis.ping();
      expect(await a.redis.xlen(streamName)).to.be.within(1_000, 1_100);
    });
  });
}
