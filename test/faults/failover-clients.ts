/**
 * Clients of the failover test, written the way the contract asks real ones to be: a visitor
 * that pipelines sends and, when its server dies, moves to another and retries every unacked
 * send with its clientMessageId; an agent that orders what it hears by seq and fetches gaps.
 */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { SessionPayload } from '../../src/realtime/events.js';
import { ok } from '../support/clients.js';

export interface Send {
  index: number;
  clientMessageId: string;
  text: string;
  /** Every ok ack it got (a retry of a stored send acks the original again). */
  acks: { id: string; seq: number; createdAt: string }[];
  attempts: number;
}

const ACK_TIMEOUT_MS = 15_000;

export class StreamingVisitor {
  readonly sends: Send[];
  conversationId = '';
  failovers = 0;
  private socket!: Socket;
  private token = '';

  private constructor(
    readonly label: string,
    private readonly projectId: string,
    count: number,
  ) {
    this.sends = Array.from({ length: count }, (_, index) => ({ index, clientMessageId: randomUUID(), text: `${label} #${index}`, acks: [], attempts: 0 }));
  }

  /** Connects to `url`, starts a conversation. */
  static async open(url: string, projectId: string, label: string, count: number): Promise<StreamingVisitor> {
    const visitor = new StreamingVisitor(label, projectId, count);
    await visitor.connect(url);
    visitor.conversationId = (await ok(visitor.socket, 'conversation:start', { text: `${label} starts` })).id;
    return visitor;
  }

  get acked(): number {
    return this.sends.filter((s) => s.acks.length > 0).length;
  }

  /**
   * Sends everything with at most `window` sends in flight. When a send fails (the server died,
   * or answered UNAVAILABLE), it lets the others settle, reconnects to `survivorUrl()` with its
   * visitor token, and sends again from its first unacked send, in order.
   */
  async stream(window: number, survivorUrl: () => string): Promise<void> {
    let cursor = 0;
    const inflight = new Map<number, Promise<boolean>>();
    for (;;) {
      while (inflight.size < window && cursor < this.sends.length) {
        const send = this.sends[cursor++]!;
        if (send.acks.length === 0) inflight.set(send.index, this.sendOnce(send));
      }
      if (inflight.size === 0) return;
      const [index, delivered] = await Promise.race([...inflight].map(([i, p]) => p.then((ok) => [i, ok] as const)));
      inflight.delete(index);
      if (delivered) continue;
      await Promise.all(inflight.values());
      inflight.clear();
      this.socket.disconnect();
      await this.connect(survivorUrl());
      this.failovers += 1;
      cursor = this.sends.findIndex((s) => s.acks.length === 0);
      if (cursor === -1) return;
    }
  }

  close(): void {
    this.socket?.disconnect();
  }

  private async sendOnce(send: Send): Promise<boolean> {
    // A closed socket would buffer the emit until the timeout: fail over at once instead.
    if (!this.socket.connected) return false;
    send.attempts += 1;
    try {
      const res = await this.socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('message:send', { conversationId: this.conversationId, clientMessageId: send.clientMessageId, text: send.text });
      if (res.ok) {
        send.acks.push({ id: res.data.id, seq: res.data.seq, createdAt: res.data.createdAt });
        return true;
      }
      if (res.error.code === 'UNAVAILABLE') return false;
      throw new Error(`${send.text}: unexpected answer ${JSON.stringify(res.error)}`);
    } catch (err) {
      // A timeout or the socket closing under the pending ack: unknown whether it was stored.
      if (err instanceof Error && err.message.includes('unexpected answer')) throw err;
      return false;
    }
  }

  private connect(url: string): Promise<void> {
    this.socket = io(`${url}/visitor`, {
      auth: { projectId: this.projectId, ...(this.token ? { token: this.token } : {}) },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    return new Promise((resolve, reject) => {
      this.socket.once('session', (session: SessionPayload) => {
        this.token = session.token;
        resolve();
      });
      this.socket.once('connect_error', reject);
    });
  }
}

export interface Heard {
  id: string;
  seq: number;
  clientMessageId: string;
  conversationId: string;
  text: string;
}

/** An agent that records every message:created as it arrives, and catches up by seq. */
export class ListeningAgent {
  /** In arrival order, duplicates included. */
  readonly events: Heard[] = [];

  constructor(readonly socket: Socket) {
    socket.on('message:created', (m: Heard) => this.events.push(m));
  }

  /** Everything of the conversation after the longest gap-free run it heard: message:list afterSeq, page by page. */
  async catchUp(conversationId: string, heardFromJoin: Heard[]): Promise<Heard[]> {
    const seen = new Set([...heardFromJoin, ...this.events].filter((m) => m.conversationId === conversationId).map((m) => m.seq));
    let afterSeq = 0;
    while (seen.has(afterSeq + 1)) afterSeq += 1;
    const fetched: Heard[] = [];
    for (;;) {
      const page: Heard[] = await ok(this.socket, 'message:list', { conversationId, afterSeq, limit: 200 });
      if (page.length === 0) return fetched;
      fetched.push(...page);
      afterSeq = page.at(-1)!.seq;
    }
  }
}
