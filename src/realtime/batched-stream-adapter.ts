/**
 * The Redis streams adapter, publishing one stream entry per namespace per event-loop turn
 * instead of one per emit, and delivering to this process's sockets at once.
 *
 * @socket.io/redis-streams-adapter XADDs every broadcast on its own and delivers locally only
 * once Redis has answered: under chat load that was two XADDs per message (one per namespace),
 * each read back and decoded by every process, and a Redis round trip added to every local
 * delivery. Here `doPublish` queues the encoded message and answers at once; everything queued
 * in one turn of the event loop leaves as one entry (in order), which the readers unpack and
 * hand to the adapter one by one, exactly as if they had come as separate entries.
 *
 * Ordering is kept where it was promised: per namespace, what one process publishes is read by
 * the others in publish order (one queue, flushed in order, one stream). Ephemeral messages
 * (broadcasts with acks, server-side emits, fetchSockets) still go through Redis pub/sub at once.
 * A failed XADD is logged and dropped, as the library does: the local sockets already have it.
 *
 * Every process of a deployment must run this code: a process without it would ignore the
 * batch entries (their type is not a number).
 */
import type { Namespace } from 'socket.io';
import { MessageType, type ClusterAdapter } from 'socket.io-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** The type of a stream entry holding several adapter messages (the library's types are numbers). */
const BATCH = 'batch';
/** Entries stay small enough for Redis and for one reader's turn. */
const MAX_PER_ENTRY = 1_000;
/** The library's MAXLEN (approximate trim). */
const MAX_LEN = 10_000;

interface RawMessage {
  uid: string;
  nsp: string;
  type: string;
  data?: string;
}

/** What this file uses of the library's (untyped) RedisStreamsAdapter. */
interface StreamsAdapter {
  uid: string;
  doPublish(message: { type: number; data?: unknown }): Promise<string>;
  encode(message: { type: number; data?: unknown }): RawMessage;
  onRawMessage(raw: RawMessage, offset: string): void;
}

/** The library's isEphemeral: these go through pub/sub rather than the stream. */
const isEphemeral = (message: { type: number; data?: { requestId?: unknown } }) =>
  (message.type === MessageType.BROADCAST && message.data?.requestId !== undefined) ||
  message.type === MessageType.SERVER_SIDE_EMIT ||
  message.type === MessageType.FETCH_SOCKETS;

export type AdapterFactory = (nsp: Namespace) => ClusterAdapter;

export function batchedStreamPublishing(factory: AdapterFactory, redis: Redis, streamName: string, logger: Logger): AdapterFactory {
  // A function, not an arrow: Socket.IO calls it with `new` (it returns the adapter object).
  return function batchedAdapter(nsp: Namespace) {
    const adapter = factory(nsp);
    const streams = adapter as unknown as StreamsAdapter;
    const publishNow = streams.doPublish.bind(streams);
    const unpackOne = streams.onRawMessage.bind(streams);
    let queued: RawMessage[] = [];
    let scheduled = false;

    const flush = () => {
      scheduled = false;
      const messages = queued;
      queued = [];
      for (let i = 0; i < messages.length; i += MAX_PER_ENTRY) {
        const chunk = messages.slice(i, i + MAX_PER_ENTRY);
        const fields = chunk.length === 1 ? chunk[0]! : { uid: streams.uid, nsp: nsp.name, type: BATCH, data: JSON.stringify(chunk) };
        const args: (string | number)[] = [streamName, 'MAXLEN', '~', MAX_LEN, '*'];
        for (const [key, value] of Object.entries(fields)) if (value !== undefined) args.push(key, value);
        redis.xadd(...(args as [string])).catch((err: Error) => logger.debug({ err: err.message, nsp: nsp.name, messages: chunk.length }, 'adapter publish failed; delivered locally only'));
      }
    };

    streams.doPublish = (message) => {
      if (isEphemeral(message as { type: number; data?: { requestId?: unknown } })) return publishNow(message);
      queued.push(streams.encode(message));
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
      let messages: RawMessage[];
      try {
        messages = JSON.parse(raw.data) as RawMessage[];
      } catch {
        return;
      }
      for (const message of messages) unpackOne(message, offset);
    };
    return adapter;
  };
}
