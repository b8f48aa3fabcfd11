/** Configuration: parsed and validated once at boot from the environment; nobody else reads process.env. */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export type DatabaseConfig =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite-memory' };

export interface Config {
  /** @default 3000 */
  port: number;
  database: DatabaseConfig;
  /** Folder of the embedded database and the generated JWT secret. @default "./data" */
  dataDir: string;
  /** Unset: one process, presence in memory. */
  redisUrl: string | null;
  /** Null means "generate one and keep it in the data folder" (embedded modes only). */
  jwtSecret: string | null;
  /** @default 30 */
  presenceTtlSeconds: number;
  /** How long an offline agent keeps its conversations before they return to the queue. @default 60 */
  routingGraceSeconds: number;
  /** A `typing: true` not refreshed within this is followed by `typing: false`. @default 5000 */
  typingTimeoutMs: number;
  /** Extra origins allowed on /agent and REST. */
  corsOrigins: string[];
  /** @default 12h */
  agentTokenTtlSeconds: number;
  /** @default 180d */
  visitorTokenTtlSeconds: number;
  /** @default "info" */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** 0 turns a limit off. */
  rateLimits: { login: number; socket: number; handshake: number };
  trustProxy: boolean;
  /** Set: GET /metrics wants `Authorization: Bearer <it>`. Unset: /metrics is open (keep it off the public network). */
  metricsToken: string | null;
  /** Who may sign up: anyone, only the first account, nobody. @default "first" */
  signup: 'open' | 'first' | 'closed';
  /** NODE_ENV=production. */
  production: boolean;
  /** Webhooks (src/integrations): see docs/integrations.md. */
  webhooks: { allowPrivate: boolean; retryScheduleMs: number[]; maxAgeSeconds: number; retentionSeconds: number };
}

const DURATION = /^(\d+)\s*(s|m|h|d)?$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

const duration = z
  .string()
  .regex(DURATION, 'must be a duration such as 900s, 30m, 12h or 180d')
  .transform((value) => {
    const [, amount, unit] = DURATION.exec(value)!;
    return Number(amount) * UNIT_SECONDS[(unit ?? 's') as keyof typeof UNIT_SECONDS];
  })
  .refine((seconds) => seconds > 0, 'must be longer than zero');

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

/**
 * Every variable the server reads, with what it means (`.describe()`): docs/configuration.md and
 * .env.example are generated from this (`npm run config:docs`; a test fails when they drift).
 * A default is written as it would be in the environment (durations use `.prefault('12h')`).
 */
export const envSchema = z.object({
  PORT: wholeNumber(0, 65535).default(3000).describe('HTTP and Socket.IO port (0: any free port).'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(postgres|postgresql):\/\//.test(v) || v === 'memory://', 'must be postgres://… or memory://')
    .optional()
    .describe('Unset: the embedded PostgreSQL (PGlite) in `DATA_DIR/pgdata`, one process. `postgres://user:pass@host:5432/db` for a PostgreSQL server (15+, with `pg_trgm`); `memory://` for a throwaway embedded one.'),
  DATA_DIR: z.string().min(1).default('./data').describe('Where the embedded database keeps `pgdata/` and the generated `jwt-secret`; must be on a persistent disk.'),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be redis://… or rediss://…')
    .optional()
    .describe('Unset: one process, presence in memory. `redis://…` (or `rediss://…`): presence and Socket.IO fan-out shared by every process.'),
  JWT_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe('Signs agent and visitor tokens (32+ characters, the same in every process). Required with a postgres:// DATABASE_URL; embedded: generated once into `DATA_DIR/jwt-secret`.'),
  SIGNUP: z
    .enum(['open', 'first', 'closed'])
    .default('first')
    .describe('Who may use `POST /v1/auth/signup`: `open` anyone; `first` only while no account exists (later accounts are added by an owner or admin, or `npm run admin -- create-agent`); `closed` nobody (403).'),
  PRESENCE_TTL_SECONDS: wholeNumber(2, 86400).default(30).describe("How soon a dead process's agents are shown offline."),
  ROUTING_GRACE_SECONDS: wholeNumber(0, 86400).default(60).describe('How long an agent who went offline keeps its conversations before they return to the queue.'),
  TYPING_TIMEOUT_MS: wholeNumber(100, 600_000).default(5000).describe('A `typing: true` not refreshed within this many milliseconds is followed by `typing: false`.'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((origins) => origins.every((o) => URL.canParse(o)), 'must be a comma-separated list of origins such as https://console.example.com')
    .describe('Extra browser origins (comma-separated) allowed on `/agent` and REST; `/visitor` accepts any origin.'),
  AGENT_TOKEN_TTL: duration.prefault('12h').describe('Lifetime of agent tokens (a number with s, m, h or d); a socket whose token expires is disconnected.'),
  VISITOR_TOKEN_TTL: duration.prefault('180d').describe('Lifetime of visitor tokens.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level. Logs are JSON lines, human-readable when stdout is a terminal.'),
  RATE_LIMIT_LOGIN: wholeNumber(0, 1_000_000).default(10).describe('Failed logins per email and per client address in 15 minutes (0: off).'),
  RATE_LIMIT_SOCKET: wholeNumber(0, 1_000_000).default(30).describe('Commands per second per socket (0: off).'),
  RATE_LIMIT_HANDSHAKE: wholeNumber(0, 1_000_000).default(60).describe('New anonymous visitors per client address per minute (0: off).'),
  TRUST_PROXY: z.enum(['0', '1', 'true', 'false']).default('0').describe('1 behind one reverse proxy: the client address is the one it appends to X-Forwarded-For.'),
  METRICS_TOKEN: z
    .string()
    .regex(/^\S{16,}$/, 'must be at least 16 characters, without spaces')
    .optional()
    .describe('Set: `GET /metrics` wants `Authorization: Bearer <it>`. Unset: /metrics is open (keep it off the public network).'),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['0', '1', 'true', 'false']).default('0').describe('1: allow webhook URLs on private, loopback and link-local addresses (tests and single-host set-ups).'),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'must be a comma-separated list of seconds such as 30,120,600 (fractions allowed)')
    .default('30,120,600,3600,21600,43200')
    .transform((v) => v.split(',').map((s) => Math.round(Number(s) * 1000)))
    .describe('Seconds before each webhook retry (fractions allowed); the last repeats until `WEBHOOK_MAX_AGE`. Each wait gets up to 20% jitter.'),
  WEBHOOK_MAX_AGE: duration.prefault('3d').describe('A webhook delivery still failing this long after its event is marked `failed`.'),
  WEBHOOK_RETENTION: duration.prefault('7d').describe('Webhook events and their delivery log are pruned after this (finished deliveries only).'),
  NODE_ENV: z.string().optional().describe('`production`: the embedded database says at start where its data lives (it must be on a persistent disk).'),
});
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The process's environment, after reading `.env` from the working directory when there is one.
 * A variable set in the real environment wins over the file (even when set to empty).
 */
export function readEnvironment(file = '.env'): Record<string, string | undefined> {
  if (fs.existsSync(file)) process.loadEnvFile(file);
  return process.env;
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, as shells and Procfiles often export them that way.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const database: DatabaseConfig =
    e.DATABASE_URL === undefined
      ? { kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') }
      : e.DATABASE_URL === 'memory://'
        ? { kind: 'pglite-memory' }
        : { kind: 'postgres', url: e.DATABASE_URL };
  if (database.kind === 'postgres' && e.JWT_SECRET === undefined) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET: is required when DATABASE_URL is a postgres:// URL (every process must sign with the same secret)');
  }
  return {
    port: e.PORT,
    database,
    dataDir,
    redisUrl: e.REDIS_URL ?? null,
    jwtSecret: e.JWT_SECRET ?? null,
    presenceTtlSeconds: e.PRESENCE_TTL_SECONDS,
    routingGraceSeconds: e.ROUTING_GRACE_SECONDS,
    typingTimeoutMs: e.TYPING_TIMEOUT_MS,
    corsOrigins: e.CORS_ORIGINS,
    agentTokenTtlSeconds: e.AGENT_TOKEN_TTL,
    visitorTokenTtlSeconds: e.VISITOR_TOKEN_TTL,
    logLevel: e.LOG_LEVEL,
    rateLimits: { login: e.RATE_LIMIT_LOGIN, socket: e.RATE_LIMIT_SOCKET, handshake: e.RATE_LIMIT_HANDSHAKE },
    trustProxy: e.TRUST_PROXY === '1' || e.TRUST_PROXY === 'true',
    metricsToken: e.METRICS_TOKEN ?? null,
    signup: e.SIGNUP,
    production: e.NODE_ENV === 'production',
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === '1' || e.WEBHOOK_ALLOW_PRIVATE === 'true',
      retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE,
      maxAgeSeconds: e.WEBHOOK_MAX_AGE,
      retentionSeconds: e.WEBHOOK_RETENTION,
    },
  };
}
