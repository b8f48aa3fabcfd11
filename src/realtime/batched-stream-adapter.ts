/**
 * The Redis streams adapter, publishing one stream entry per event-loop turn (for all the
 * namespaces together) instead of one per emit, and delivering to this process's sockets at once.
 *
 * @socket.io/redis-streams-adapter XADDs every broadcast on its own and delivers locally only
 * once Redis has answered: under chat load that was two XADDs per message (one per namespace),
 * each read back and decoded by every process, and a Redis round trip added to every local
 * delivery. Here `doPublish` queues the message and answers at once; everything any namespace
 * queued in one turn of the event loop leaves as one entry (in order), which the readers unpack
 * and hand to each message's namespace adapter one by one, exactly as if they had come as
 * separate entries. (Until issue 9's thirteenth round, one entry per namespace per turn: two
 * XADDs for each batch of chat messages, the visitors' copy and the agents'.)
 *
 * Each message is encoded once, when it is published (what the stream carries is what was
 * emitted at that moment): a broadcast by Socket.IO's own packet encoder, whose string this
 * process's sockets then get too (the in-memory broadcast, which follows the publish, finds it
 * instead of encoding the packet again), and everything else by the library's `encode`. Before
 * issue 9's thirteenth round each chat message was turned into JSON four times on its way out
 * (the stream's copy and the local one, for the visitors' room and for the agents').
 *
 * The entry's `data` is a JSON array of `{"uid":…,"nsp":…,"type":…,"data":…}` built around those
 * encodings, not a JSON string of JSON strings: a reader parses an entry once and gets every
 * message whole, with the uid of the namespace adapter that published it (what the library's
 * heartbeat bookkeeping keys on).
 *
 * Ordering is kept where it was promised: what one process publishes is read by the others in
 * publish order (one queue for all its namespaces, flushed in order, one stream). Ephemeral
 * messages (broadcasts with acks, server-side emits, fetchSockets) still go through Redis pub/sub at once,
 * and a message whose data holds binary (which the library sends as msgpack) leaves on its own,
 * after what was queued before it. A failed XADD is logged and dropped, as the library does: the
 * local sockets already have it.
 *
 * Every process of a deployment must run this code: a process without it would drop the batch
 * entries (their type is not a number).
 */
import { randomUUID } from 'node:crypto';
import type { Namespace } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { MessageType, type ClusterAdapter, type ClusterMessage } from 'socket.io-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The type of a stream entry holding several adapter messages, each with its namespace (the
 * library's types are numbers). The entry itself names the root namespace "/", which every
 * Socket.IO server has: the library hands each entry to the adapter of the namespace it names.
 */
const BATCH = 'json-batch-nsp';
const ENTRY_NSP = '/';
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

/** A Socket.IO packet as a broadcast carries it (socket.io-parser's shape). */
interface Packet {
  type: number;
  nsp?: string;
  id?: number;
  data?: unknown;
}

/** socket.io-parser's Encoder: a packet as one string, or a string and its binary attachments. */
interface Encoder {
  encode(packet: Packet): unknown[];
}

/** What this file uses of the library's (untyped) RedisStreamsAdapter. */
interface StreamsAdapter {
  uid: string;
  /** Socket.IO's (the server's) packet encoder, which the in-memory broadcast uses. */
  encoder: Encoder;
  doPublish(message: ClusterMessage): Promise<string>;
  encode(message: ClusterMessage): RawMessage;
  onRawMessage(raw: RawMessage, offset: string): void;
  onMessage(message: ClusterMessage, offset: string): void;
  close(): Promise<void> | void;
}

/** One message of a batch entry: the adapter message as its namespace's adapter published it. */
interface BatchedMessage {
  uid: string;
  nsp: string;
  type: number;
  data?: unknown;
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
  /** This process's entries carry this uid: its readers skip them (its adapters ignore their own messages anyway). */
  const processUid = randomUUID();
  /** Each namespace's adapter, as it takes a message of an entry (onMessage, the library's own). */
  const deliverers = new Map<string, (message: ClusterMessage, offset: string) => void>();
  /** Each message as the JSON text of `{"uid":…,"nsp":…,"type":…,"data":…}`, in publish order. */
  let queued: string[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const messages = queued;
    queued = [];
    for (let i = 0; i < messages.length; i += MAX_PER_ENTRY) {
      const chunk = messages.slice(i, i + MAX_PER_ENTRY);
      redis
        .xadd(streamName, 'MAXLEN', '~', MAX_LEN, '*', 'uid', processUid, 'nsp', ENTRY_NSP, 'type', BATCH, 'data', `[${chunk.join(',')}]`)
        .catch((err: Error) => logger.debug({ err: err.message, messages: chunk.length }, 'adapter publish failed; delivered locally only'));
    }
  };

  const unpack = (raw: RawMessage, offset: string) => {
    // Our own entries: each adapter would ignore its messages anyway.
    if (raw.uid === processUid || raw.data === undefined) return;
    let messages: BatchedMessage[];
    try {
      messages = JSON.parse(raw.data) as BatchedMessage[];
    } catch {
      return;
    }
    for (const message of messages) deliverers.get(message.nsp)?.(message as ClusterMessage, offset);
  };

  // A function, not an arrow: Socket.IO calls it with `new` (it returns the adapter object).
  return function batchedAdapter(nsp: Namespace) {
    const adapter = factory(nsp);
    const streams = adapter as unknown as StreamsAdapter;
    const publishNow = streams.doPublish.bind(streams);
    const unpackOne = streams.onRawMessage.bind(streams);
    const close = streams.close.bind(streams);
    const prefix = `{"uid":${JSON.stringify(streams.uid)},"nsp":${JSON.stringify(nsp.name)},"type":`;
    deliverers.set(nsp.name, streams.onMessage.bind(streams));

    // A broadcast's packet, encoded once: for the stream (below) and for this process's sockets
    // (the in-memory broadcast, which runs after the publish, asks the encoder for it again).
    const serverEncoder = streams.encoder;
    const encodedOnce = new WeakMap<Packet, unknown[]>();
    streams.encoder = {
      encode(packet) {
        const encoded = encodedOnce.get(packet);
        if (!encoded) return serverEncoder.encode(packet);
        encodedOnce.delete(packet);
        return encoded;
      },
    };
    // What socket.io-parser writes before a packet's JSON: its type, then the namespace and a comma.
    const namespacePrefix = nsp.name === '/' ? '' : `${nsp.name},`;

    /** A broadcast's stream data, `{"packet":…,"opts":…}` as the library's encode makes it, around the packet's JSON as encoded for the sockets; null with binary. */
    const broadcastData = (data: { packet: unknown; opts: unknown }): string | null => {
      const packet = data.packet as Packet;
      // What the in-memory broadcast sets before it encodes.
      packet.nsp = nsp.name;
      const encoded = serverEncoder.encode(packet);
      const text = encoded[0];
      if (encoded.length !== 1 || typeof text !== 'string' || packet.id !== undefined) return null;
      encodedOnce.set(packet, encoded);
      const json = text.slice(String(packet.type).length + namespacePrefix.length);
      return `{"packet":{"type":${packet.type},"nsp":${JSON.stringify(nsp.name)},"data":${json}},"opts":${JSON.stringify(data.opts)}}`;
    };

    streams.doPublish = (message) => {
      if (isEphemeral(message)) return publishNow(message);
      const data = message.type === MessageType.BROADCAST ? broadcastData(message.data) : streams.encode(message).data;
      if (data === null || !isJsonData(data)) {
        // Binary: the library's own entry, after everything queued before it.
        flush();
        return publishNow(message);
      }
      queued.push(data === undefined ? `${prefix}${message.type}}` : `${prefix}${message.type},"data":${data}}`);
      // Sent at shutdown: it leaves at once, before the connection closes.
      if (message.type === MessageType.ADAPTER_CLOSE) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      // No connection-state recovery here, so no caller needs the entry's offset.
      return Promise.resolve('');
    };

    streams.onRawMessage = (raw, offset) => (raw.type === BATCH ? unpack(raw, offset) : unpackOne(raw, offset));
    streams.close = () => {
      deliverers.delete(nsp.name);
      return close();
    };
    return adapter;
  };
}
