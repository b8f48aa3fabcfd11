/** The app's Prometheus metrics: one registry per app (tests run several apps in one process), never prom-client's global one. */
import type { Knex } from 'knex';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CommitObserver } from '../conversations/message-writer.js';

/** What the gauges read at each scrape, so they can never drift from the truth. */
export interface MetricSources {
  knex: Knex;
  /** Redis clients by role (`commands`, `adapter`); absent without REDIS_URL. */
  redis?: Record<string, { status: string }> | null;
}

/** A namespace as the sockets gauge sees it: its name and the sockets connected to this process. */
export interface CountedNamespace {
  name: string;
  sockets: { size: number };
}

/** tarn's pool, as knex keeps it (PGlite's knex client has one too, fixed at one connection). */
interface PoolLike {
  numUsed(): number;
  numPendingAcquires(): number;
  max: number;
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

export class Metrics {
  readonly registry = new Registry();
  private readonly namespaces: CountedNamespace[] = [];
  private processMetrics = false;

  private readonly httpRequests = new Counter({
    name: 'pingstreams_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'pingstreams_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to the end of its answer, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly socketCommands = new Counter({
    name: 'pingstreams_socket_commands_total',
    help: 'Socket commands answered, by namespace, event and result code (OK or the error code)',
    labelNames: ['namespace', 'event', 'code'] as const,
    registers: [this.registry],
  });
  private readonly commitLatency = new Histogram({
    name: 'pingstreams_message_commit_seconds',
    help: 'Time from queueing a message:send to the commit that stored it (the ack follows at once)',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: 'pingstreams_message_batch_size',
    help: 'Messages per group-commit transaction',
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });

  // Webhooks (src/integrations): attempts by outcome, and event-to-delivery latency.
  private readonly webhookAttempts = new Counter({
    name: 'pingstreams_webhook_attempts_total',
    help: 'Webhook delivery attempts by the status they left the delivery in: delivered, pending (will retry) or failed (gave up)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly webhookLatency = new Histogram({
    name: 'pingstreams_webhook_delivery_latency_seconds',
    help: 'Time from an event being committed to its webhook delivery succeeding (retries included)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120, 600, 3600, 21600, 86400],
    registers: [this.registry],
  });

  /** Handed to the MessageWriter: it reports each committed batch here. */
  readonly messageCommits: CommitObserver = {
    batchCommitted: (size, waitedSeconds) => {
      this.batchSize.observe(size);
      for (const seconds of waitedSeconds) this.commitLatency.observe(seconds);
    },
  };

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    const namespaces = this.namespaces;
    new Gauge({
      name: 'pingstreams_sockets_connected',
      help: 'Sockets connected to this process, by namespace',
      labelNames: ['namespace'] as const,
      registers,
      collect() {
        for (const nsp of namespaces) this.set({ namespace: nsp.name }, nsp.sockets.size);
      },
    });
    const pool = () => (sources.knex.client as { pool?: PoolLike }).pool;
    new Gauge({
      name: 'pingstreams_db_pool_in_use',
      help: 'Database connections lent out of the pool now (embedded PGlite: its one connection, 0 or 1)',
      registers,
      collect() {
        this.set(pool()?.numUsed() ?? 0);
      },
    });
    new Gauge({
      name: 'pingstreams_db_pool_pending_acquires',
      help: 'Queries waiting for a database connection',
      registers,
      collect() {
        this.set(pool()?.numPendingAcquires() ?? 0);
      },
    });
    new Gauge({
      name: 'pingstreams_db_pool_max',
      help: 'Size limit of the database pool',
      registers,
      collect() {
        this.set(pool()?.max ?? 0);
      },
    });
    new Gauge({
      name: 'pingstreams_webhook_deliveries_pending',
      help: 'Webhook deliveries waiting for a (first or next) attempt, all processes',
      registers,
      async collect() {
        const row = await sources.knex('webhook_deliveries').where({ status: 'pending' }).count<{ n: string }[]>('* as n').first().catch(() => undefined);
        this.set(Number(row?.n ?? 0));
      },
    });
    const redis = sources.redis;
    if (redis) {
      new Gauge({
        name: 'pingstreams_redis_up',
        help: 'Whether the Redis client is connected and ready (1) or not (0), by client role',
        labelNames: ['client'] as const,
        registers,
        collect() {
          for (const [client, connection] of Object.entries(redis)) this.set({ client }, connection.status === 'ready' ? 1 : 0);
        },
      });
    }
  }

  /** Counts the sockets of these namespaces at each scrape. */
  watchNamespaces(...namespaces: CountedNamespace[]): void {
    this.namespaces.push(...namespaces);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  /** One webhook attempt; `latencySeconds` when it delivered. */
  webhookAttempt(status: string, latencySeconds: number | null): void {
    this.webhookAttempts.inc({ status });
    if (latencySeconds !== null) this.webhookLatency.observe(latencySeconds);
  }

  socketCommand(namespace: string, event: string, code: string): void {
    this.socketCommands.inc({ namespace, event, code });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every metric. */
  scrape(): Promise<string> {
    // Process metrics start at the first scrape: each start leaves a GC observer and an event
    // loop monitor running for good, which apps that are never scraped (tests) need not pay.
    if (!this.processMetrics) {
      this.processMetrics = true;
      collectDefaultMetrics({ register: this.registry });
    }
    return this.registry.metrics();
  }
}
