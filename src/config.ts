/** Configuration: parsed and validated once at boot from the environment; nobody else reads process.env. */
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

const envSchema = z.object({
  PORT: wholeNumber(0, 65535).default(3000),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(postgres|postgresql):\/\//.test(v) || v === 'memory://', 'must be postgres://… or memory://')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be redis://… or rediss://…')
    .optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PRESENCE_TTL_SECONDS: wholeNumber(2, 86400).default(30),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((origins) => origins.every((o) => URL.canParse(o)), 'must be a comma-separated list of origins such as https://console.example.com'),
  AGENT_TOKEN_TTL: duration.default(12 * 3600),
  VISITOR_TOKEN_TTL: duration.default(180 * 86400),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_LOGIN: wholeNumber(0, 1_000_000).default(10),
  RATE_LIMIT_SOCKET: wholeNumber(0, 1_000_000).default(30),
  RATE_LIMIT_HANDSHAKE: wholeNumber(0, 1_000_000).default(60),
  TRUST_PROXY: z.enum(['0', '1', 'true', 'false']).default('0'),
});

export class ConfigError extends Error {
  override name = 'ConfigError';
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
    corsOrigins: e.CORS_ORIGINS,
    agentTokenTtlSeconds: e.AGENT_TOKEN_TTL,
    visitorTokenTtlSeconds: e.VISITOR_TOKEN_TTL,
    logLevel: e.LOG_LEVEL,
    rateLimits: { login: e.RATE_LIMIT_LOGIN, socket: e.RATE_LIMIT_SOCKET, handshake: e.RATE_LIMIT_HANDSHAKE },
    trustProxy: e.TRUST_PROXY === '1' || e.TRUST_PROXY === 'true',
  };
}
