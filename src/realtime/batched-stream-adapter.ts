/**
 * The Redis streams adapter, publishing one stream entry per namespace per event-loop turn
 * instead of one per emit, and delivering to this process's sockets at once.
 *
 * @socket.io/redis-streams-adapter XADDs every broadcast on its own and delivers locally only
 * once Redis has answered: under chat load that was two XADDs per message (one per namespace),
 * each read back and decoded by every process, and a Redis round trip added to every local
 * delivery. Here `doPublish` queues the message and answers at once; everything queued in one
 * turn of the event loop leaves as one entry (in order), which the readers unpack and hand to
 * the adapter one by one, exactly as if they had come as separate entries.
 *
 * Each message is encoded once, by the library's own `encode`, when it is published (what the
 * stream carries is what was emitted at that moment). The entry's `data` is a JSON array of
 * `{"type":…,"data":…}` built around those encodings, not a JSON string of JSON strings: a
 * reader parses an entry once and gets every message whole.
 *
 * Ordering is kept where it was promised: per namespace, what one process publishes is read by
 * the others in publish order (one queue, flushed in order, one stream). Ephemeral messages
 * (broadcasts with acks, server-side emits, fetchSockets) still go through Redis pub/sub at once,
 * and a message whose data holds binary (which the library sends as msgpack) leaves on its own,
 * after what was queued before it. A failed XADD is logged and dropped, as the library does: the
 * local sockets already have it.
 *
 * Every process of a deployment must run this code: a process without it would drop the batch
 * entries (their type is not a number).
 */
import type { Namespace } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { MessageType, type ClusterAdapter, type ClusterMessage } from 'socket.io-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** The type of a stream entry holding several adapter messages (the library's types are numbers). */
const BATCH = 'json-batch';
/** Entries stay small enough for Redis and for one reader's turn. */
const MAX_PER_ENTRY = 1_000;
/**
 * The stream's MAXLEN, in entries (approximate trim), for our entries and the library's alike.
 * Readers need only what they have not read yet; the rest is memory in Redis. The library's
 * default, 10,000, was sized for one message per entry: with a turn's messages in one entry it
 * kept ≈ 230 MB under the bench's chat load (≈ 23 KB an entry). 1,000 entries are ≈ 23 MB there,
 * and still ≈ 2 s of a reader's lag at that rate (the library's default gave ≈ 0.8 s: 10,000
 * single-message entries at ≈ 12,000 a second); at lower rates they cover much longer.
 */
const MAX_LEN = 1_000;

/** A stream entry's fields, as the library writes and reads them. */
interface RawMessage {
  uid: string;
  nsp: string;
  type: string;
  data?: string;
}

/** What this file uses of the library's (untyped) RedisStreamsAdapter. */
interface StreamsAdapter {
  uid: string;
  doPublish(message: ClusterMessage): Promise<string>;
  encode(message: ClusterMessage): RawMessage;
  onRawMessage(raw: RawMessage, offset: string): void;
  onMessage(message: ClusterMessage, offset: string): void;
}

/** The library's isEphemeral: these go through pub/sub rather than the stream. */
const isEphemeral = (message: ClusterMessage) =>
  (message.type === MessageType.BROADCAST && message.data.requestId !== undefined) ||
  message.type === MessageType.SERVER_SIDE_EMIT ||
  message.type === MessageType.FETCH_SOCKETS;

/** The library encodes data as JSON (an object) unless it holds binary, which it sends as base64 msgpack. */
const isJsonData = (data: string | undefined) => data === undefined || data.startsWith('{');

/** The adapter factory for Socket.IO's `adapter` option: the library's, each instance wrapped as above. */
export function batchedStreamAdapter(redis: Redis, streamName: string, logger: Logger): (nsp: Namespace) => ClusterAdapter {
  const factory = createAdapter(redis, { streamName, maxLen: MAX_LEN }) as (nsp: Namespace) => ClusterAdapter;
  // A function, not an arrow: Socket.IO calls it with `new` (it returns the adapter object).
  return function batchedAdapter(nsp: Namespace) {
    const adapter = factory(nsp);
    const streams = adapter as unknown as StreamsAdapter;
    const publishNow = streams.doPublish.bind(streams);
    const unpackOne = streams.onRawMessage.bind(streams);
    const deliver = streams.onMessage.bind(streams);
    /** Each message as the JSON text of `{"type":…,"data":…}`. */
    let queued: string[] = [];
    let scheduled = false;

    const flush = () => {
      scheduled = false;
      const messages = queued;
      queued = [];
      for (let i = 0; i < messages.length; i += MAX_PER_ENTRY) {
        const chunk = messages.slice(i, i + MAX_PER_ENTRY);
        redis
          .xadd(streamName, 'MAXLEN', '~', MAX_LEN, '*', 'uid', streams.uid, 'nsp', nsp.name, 'type', BATCH, 'data', `[${chunk.join(',')}]`)
          .catch((err: Error) => logger.debug({ err: err.message, nsp: nsp.name, messages: chunk.length }, 'adapter publish failed; delivered locally only'));
      }
    };

    streams.doPublish = (message) => {
      if (isEphemeral(message)) return publishNow(message);
      const { data } = streams.encode(message);
      if (!isJsonData(data)) {
        // Binary: the library's own entry, after everything queued before it.
        flush();
        return publishNow(message);
      }
      queued.push(data === undefined ? `{"type":${message.type}}` : `{"type":${message.type},"data":${data}}`);
      // Sent at shutdown: it leaves at once, before the connection closes.
      if (message.type === MessageType.ADAPTER_CLOSE) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      // No connection-state recovery here, so no caller needs the entry's offset.
      return Promise.resolve('');
    };

    streams.onRawMessage = (raw, offset) => {
      if (raw.type !== BATCH) return unpackOne(raw, offset);
      // Our own entries: the adapter would ignore each message anyway.
      if (raw.uid === streams.uid || raw.data === undefined) return;
      let messages: { type: number; data?: unknown }[];
      try {
        messages = JSON.parse(raw.data) as typeof messages;
      } catch {
        return;
      }
      for (const { type, data } of messages) deliver({ uid: raw.uid, nsp: raw.nsp, type, data } as ClusterMessage, offset);
    };
    return adapter;
  };
}
