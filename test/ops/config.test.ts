/** Configuration: the documented defaults, and bad values failing fast with a message that names the variable. */
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { runToExit } from '../support/spawn-server.js';
import { TEST_JWT_SECRET } from '../support/test-config.js';

function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('configuration', () => {
  describe('defaults', () => {
    it('an empty environment gives the documented defaults and the embedded database in ./data/pgdata', () => {
      const config = loadConfig({});
      expect(config.port).to.equal(3000);
      expect(config.presenceTtlSeconds).to.equal(30);
      expect(config.agentTokenTtlSeconds).to.equal(12 * 3600);
      expect(config.visitorTokenTtlSeconds).to.equal(180 * 86400);
      expect(config.rateLimits).to.deep.equal({ login: 10, socket: 30, handshake: 60 });
      expect(config.database).to.deep.equal({ kind: 'pglite', dataDir: path.join(process.cwd(), 'data', 'pgdata') });
      expect(config.redisUrl).to.equal(null);
      expect(config.jwtSecret).to.equal(null);
      expect(config.logLevel).to.equal('info');
      expect(config.corsOrigins).to.deep.equal([]);
      expect(config.trustProxy).to.equal(false);
    });

    it('memory:// is a throwaway embedded database; postgres:// with JWT_SECRET is a server', () => {
      expect(loadConfig({ DATABASE_URL: 'memory://' }).database).to.deep.equal({ kind: 'pglite-memory' });
      const url = 'postgres://postgres@127.0.0.1:5432/somewhere';
      const config = loadConfig({ DATABASE_URL: url, JWT_SECRET: TEST_JWT_SECRET, REDIS_URL: 'redis://127.0.0.1:6379' });
      expect(config.database).to.deep.equal({ kind: 'postgres', url });
      expect(config.jwtSecret).to.equal(TEST_JWT_SECRET);
      expect(config.redisUrl).to.equal('redis://127.0.0.1:6379');
    });

    it('DATA_DIR moves the embedded database; durations and limits are read from the environment', () => {
      const config = loadConfig({ DATA_DIR: '/srv/chat', AGENT_TOKEN_TTL: '30m', VISITOR_TOKEN_TTL: '7d', RATE_LIMIT_SOCKET: '0', PORT: '8080' });
      expect(config.database).to.deep.equal({ kind: 'pglite', dataDir: path.join('/srv/chat', 'pgdata') });
      expect(config.agentTokenTtlSeconds).to.equal(1800);
      expect(config.visitorTokenTtlSeconds).to.equal(7 * 86400);
      expect(config.rateLimits.socket).to.equal(0);
      expect(config.port).to.equal(8080);
    });
  });

  describe('bad values', () => {
    const cases: [string, string][] = [
      ['PORT', 'abc'],
      ['PRESENCE_TTL_SECONDS', '0'],
      ['AGENT_TOKEN_TTL', 'soon'],
      ['REDIS_URL', 'http://x'],
      ['DATABASE_URL', 'mysql://x'],
      ['CORS_ORIGINS', 'not a url'],
      ['LOG_LEVEL', 'loud'],
    ];
    for (const [name, value] of cases) {
      it(`${name}=${value} is a ConfigError naming ${name}`, () => {
        const err = configErrorOf({ [name]: value });
        expect(err.message).to.include(name);
        // Only the bad variable is blamed.
        for (const [other] of cases) if (other !== name) expect(err.message).to.not.include(`${other}:`);
      });
    }

    it('names every bad variable at once', () => {
      const err = configErrorOf({ PORT: 'abc', LOG_LEVEL: 'loud' });
      expect(err.message).to.include('PORT').and.include('LOG_LEVEL');
    });

    it('DATABASE_URL=postgres://… without JWT_SECRET names JWT_SECRET', () => {
      const err = configErrorOf({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' });
      expect(err.message).to.include('JWT_SECRET');
    });
  });

  it('the server refuses to start on a bad value: exit code 1 and a line naming the variable', async function () {
    this.timeout(30_000);
    const { code, output } = await runToExit(['--import', 'tsx', 'src/main.ts'], {
      PORT: 'abc',
      DATABASE_URL: 'memory://',
      REDIS_URL: undefined,
      JWT_SECRET: TEST_JWT_SECRET,
    });
    expect(code, output).to.equal(1);
    expect(output.split('\n').some((line) => line.includes('PORT'))).to.equal(true);
    expect(output).to.not.include('listening');
  });
});
