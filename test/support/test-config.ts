/** The configuration every test app starts from: the real PostgreSQL/Redis when the environment names them, else embedded PGlite. */
import { loadConfig, type Config } from '../../src/config.js';

export const TEST_JWT_SECRET = 'pingstreams-test-secret-0123456789abcdef';

export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    DATABASE_URL: process.env.DATABASE_URL ?? 'memory://',
    REDIS_URL: process.env.REDIS_URL,
    JWT_SECRET: process.env.JWT_SECRET ?? TEST_JWT_SECRET,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    PORT: '0',
    PRESENCE_TTL_SECONDS: '3',
    // Every test signs up its own owner (clients.ts signup()) on a database other tests share:
    // the suite needs open sign-up. The server's default (`first`) and `closed` are tested in
    // test/ops/signup-modes.test.ts, which starts its apps with them.
    SIGNUP: 'open',
    // Login failures and new visitors are counted per client IP, and every test app connects
    // from 127.0.0.1: with Redis those counts are shared by every app, run and helper for
    // 15 minutes. Off here; test/http/login-rate-limit.test.ts and handshake-rate-limit.test.ts
    // turn them on (small values, a fresh X-Forwarded-For address per test). The per-socket
    // limit stays on at its default (30/s); tests that fire bursts turn it off themselves.
    RATE_LIMIT_LOGIN: '0',
    RATE_LIMIT_HANDSHAKE: '0',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig(testEnv(overrides));
}

export const usingRedis = () => Boolean(process.env.REDIS_URL);
export const usingPostgres = () => /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
