/**
 * The delivery worker, one per process: fans new outbox events out to webhooks, claims due
 * deliveries (SKIP LOCKED), POSTs them, records each attempt and schedules retries. It works in
 * small batches and yields between them, so on PGlite (one connection) chat never waits long.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../http/metrics.js';
import { claimDue, fanOut, pruneOutbox, recordAttempt, type ClaimedDelivery } from './delivery.store.js';
import { outboxSignal, publicType } from './outbox.js';
import { SEND_TIMEOUT_MS, sendWebhook } from './webhook-sender.js';

const PRUNE_EVERY_MS = 60 * 60 * 1000;
const PRUNE_BATCH = 1000;
/** A claimed delivery is someone else's again after this (its process died mid-send). */
const LEASE_MS = SEND_TIMEOUT_MS + 5_000;

export interface DeliveryWorkerOptions {
  knex: Knex;
  logger: Logger;
  metrics: Metrics;
  webhooks: Config['webhooks'];
  /** PGlite: one connection shared with chat. */
  embedded: boolean;
}

/** The wait before retry number `attempt` (1-based): the schedule's step, the last repeating, plus up to 20% jitter. */
export function retryDelayMs(scheduleMs: readonly number[], attempt: number, random = Math.random): number {
  const base = scheduleMs[Math.min(attempt - 1, scheduleMs.length - 1)] ?? 30_000;
  return Math.round(base * (1 + 0.2 * random()));
}

export class DeliveryWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private lastPrune = 0;
  private readonly stopping = new AbortController();
  private readonly batch: number;
  private readonly idleMs: number;
  /** A local write arrived while a tick was running: do not sleep after it. */
  private woken = false;
  private readonly onSignal = () => {
    this.woken = true;
    this.wakeUp?.();
  };

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.batch = options.embedded ? 10 : 50;
    // Poll at least as often as the shortest retry wait (tests use fractions of a second).
    this.idleMs = Math.max(50, Math.min(1_000, Math.min(...options.webhooks.retryScheduleMs) / 2));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    outboxSignal.on('written', this.onSignal);
    this.loop = this.run();
  }

  /** Stops claiming; sends in flight are aborted (and recorded as failed attempts, retried later). */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    outboxSignal.off('written', this.onSignal);
    this.wakeUp?.();
    await Promise.race([this.loop, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let busy = false;
      this.woken = false;
      try {
        busy = await this.tick();
      } catch (err) {
        if (this.running) this.options.logger.warn({ err }, 'webhook delivery worker: tick failed; retrying');
      }
      if (!this.running) break;
      // Busy: yield to chat, then go on. Idle: sleep until woken by a local write or the poll.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, busy || this.woken ? (this.options.embedded ? 5 : 0) : this.idleMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wakeUp = busy ? null : done;
      });
      this.wakeUp = null;
    }
  }

  private async tick(): Promise<boolean> {
    const { knex, webhooks } = this.options;
    const fanned = await fanOut(knex, this.batch * 4);
    const claimed = await claimDue(knex, this.batch, LEASE_MS);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      // In batches of 1000 with a pause between, until the backlog is gone.
      while (this.running && (await pruneOutbox(knex, webhooks.retentionSeconds, PRUNE_BATCH)) === PRUNE_BATCH) await new Promise((r) => setTimeout(r, 10));
    }
    return fanned > 0 || claimed.length > 0;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { webhooks, metrics } = this.options;
    const body = JSON.stringify({
      id: delivery.eventId,
      type: publicType(delivery.type),
      createdAt: delivery.eventCreatedAt.toISOString(),
      projectId: delivery.projectId,
      data: delivery.payload,
    });
    const started = performance.now();
    const result = await sendWebhook(delivery, delivery.eventId, body, webhooks.allowPrivate, this.stopping.signal);
    const status = await recordAttempt(this.options.knex, delivery.id, {
      ...result,
      durationMs: performance.now() - started,
      retryInMs: retryDelayMs(webhooks.retryScheduleMs, delivery.attempts + 1),
      maxAgeSeconds: webhooks.maxAgeSeconds,
    });
    metrics.webhookAttempt(status, status === 'delivered' ? (Date.now() - delivery.eventCreatedAt.getTime()) / 1000 : null);
  }
}
