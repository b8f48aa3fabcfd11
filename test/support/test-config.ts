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
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig(testEnv(overrides));
}

export const usingRedis = () => Boolean(process.env.REDIS_URL);
export const usingPostgres = () => /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
