/** The chat workload: N conversations × M closed-loop visitor messages, each watched by one agent. */
import { randomUUID } from 'node:crypto';
import type { Pair } from './clients.js';
import { percentile, sleep } from './stats.js';

/** One round of the workload, as measured: the raw latencies, so rounds can be added up. */
export interface ChatRound {
  messages: number;
  seconds: number;
  /** Visitor→agent, one per delivered message (ms). */
  delivered: number[];
  /** Send→ack, one per send (ms). */
  acks: number[];
  errors: number;
  undelivered: number;
}

export interface ChatResult {
  messages: number;
  seconds: number;
  perSecond: number;
  deliveredP50: number;
  deliveredP99: number;
  ackP50: number;
  ackP99: number;
  errors: number;
  undelivered: number;
}

/** Every visitor sends M messages one after the other (the next once the previous is acked). */
export async function chatRound(pairs: Pair[], perConversation: number): Promise<ChatRound> {
  const sentAt = new Map<string, number>();
  const delivered: number[] = [];
  const acks: number[] = [];
  let errors = 0;
  let firstError = '';
  for (const { agent } of pairs) {
    agent.on('message:created', (message: { clientMessageId: string }) => {
      const t0 = sentAt.get(message.clientMessageId);
      if (t0 === undefined) return;
      sentAt.delete(message.clientMessageId);
      delivered.push(performance.now() - t0);
    });
  }
  const started = performance.now();
  await Promise.all(
    pairs.map(async ({ visitor, conversationId }) => {
      for (let k = 0; k < perConversation; k++) {
        const clientMessageId = randomUUID();
        const t0 = performance.now();
        sentAt.set(clientMessageId, t0);
        const res = await visitor.timeout(120_000).emitWithAck('message:send', { conversationId, clientMessageId, text: `bench message ${k}` }).catch((err: Error) => ({ ok: false, error: err.message }));
        acks.push(performance.now() - t0);
        if (!res.ok) {
          errors++;
          firstError ||= JSON.stringify(res.error);
          sentAt.delete(clientMessageId);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  // Deliveries may trail the last acks a little: wait for them (bounded).
  const deadline = Date.now() + 10_000;
  while (sentAt.size > 0 && Date.now() < deadline) await sleep(20);
  for (const { agent } of pairs) agent.off('message:created');
  if (firstError) console.error(`  first error: ${firstError}`);
  return { messages: pairs.length * perConversation - errors, seconds, delivered, acks, errors, undelivered: sentAt.size };
}

/** Rounds added up: msg/s over their total time, percentiles over all their samples. */
export function summarize(rounds: ChatRound[]): ChatResult {
  const sum = (f: (r: ChatRound) => number) => rounds.reduce((total, r) => total + f(r), 0);
  const delivered = rounds.flatMap((r) => r.delivered);
  const acks = rounds.flatMap((r) => r.acks);
  const messages = sum((r) => r.messages);
  const seconds = sum((r) => r.seconds);
  return {
    messages,
    seconds,
    perSecond: messages / seconds,
    deliveredP50: percentile(delivered, 50),
    deliveredP99: percentile(delivered, 99),
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    errors: sum((r) => r.errors),
    undelivered: sum((r) => r.undelivered),
  };
}
