/**
 * Migrations: two processes migrating one PostgreSQL at once apply each migration once (the
 * PostgreSQL part runs only with a real DATABASE_URL); the embedded database migrates and then
 * has nothing left to do; the messages table's unique constraints hold (both modes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { v4 as uuidv4 } from 'uuid';
import { sharedDatabase } from '../support/root-hooks.js';
import { PROJECT_ROOT, runToExit } from '../support/spawn-server.js';
import { TEST_JWT_SECRET, usingPostgres } from '../support/test-config.js';
import { queryAt, tempDataDir, throwawayDatabase } from '../support/ops-fixtures.js';

/** Every migration in migrations/, by name, in order: each must be applied exactly once. */
const MIGRATIONS = fs
  .readdirSync(path.join(PROJECT_ROOT, 'migrations'))
  .map((file) => /^(\d{14}_[\w-]+)\.ts$/.exec(file)?.[1])
  .filter((name): name is string => name !== undefined)
  .sort();
const TABLES = ['projects', 'agents', 'project_members', 'leads', 'visitors', 'conversations', 'conversation_participants', 'messages'];

const migrate = (env: Record<string, string | undefined>) =>
  runToExit(['--import', 'tsx', 'src/migrate.ts'], { REDIS_URL: undefined, LOG_LEVEL: 'silent', ...env });

if (usingPostgres()) {
  describe('migrations on PostgreSQL: two processes at once', () => {
    let db: Awaited<ReturnType<typeof throwawayDatabase>>;
    before(async () => {
      db = await throwawayDatabase();
    });
    after(async () => {
      await db?.drop();
    });

    it('both exit 0, each migration is applied exactly once, and a third run has nothing to do', async function () {
      this.timeout(60_000);
      const env = { DATABASE_URL: db.url, JWT_SECRET: TEST_JWT_SECRET };
      const runs = await Promise.all([migrate(env), migrate(env)]);
      for (const run of runs) expect(run.code, run.output).to.equal(0);
      // The advisory lock makes the loser wait, then find everything applied.
      const applied = runs.filter((r) => r.output.includes('Applied:'));
      const idle = runs.filter((r) => r.output.includes('Already up to date.'));
      expect(applied, runs.map((r) => r.output).join('\n---\n')).to.have.length(1);
      expect(idle).to.have.length(1);
      for (const name of MIGRATIONS) expect(applied[0]!.output).to.include(name);

      const tables = await queryAt<{ table_name: string }>(
        db.url,
        `select table_name from information_schema.tables where table_schema = 'public' and table_name = any($1)`,
        [TABLES],
      );
      expect(tables.map((t) => t.table_name).sort()).to.deep.equal([...TABLES].sort());
      const rows = await queryAt<{ name: string }>(db.url, 'select name from knex_migrations order by id');
      expect(rows.map((r) => r.name)).to.deep.equal(MIGRATIONS);

      const third = await migrate(env);
      expect(third.code, third.output).to.equal(0);
      expect(third.output).to.include('Already up to date.');
      expect(await queryAt(db.url, 'select name from knex_migrations')).to.have.length(MIGRATIONS.length);
    });
  });
}

describe('migrations on the embedded database', () => {
  let data: ReturnType<typeof tempDataDir>;
  before(() => {
    data = tempDataDir('migrate');
  });
  after(() => {
    data?.remove();
  });

  it('the first run applies every migration into DATA_DIR/pgdata; the second has nothing to do', async function () {
    this.timeout(120_000);
    const env = { DATABASE_URL: undefined, JWT_SECRET: undefined, DATA_DIR: data.dir };
    const first = await migrate(env);
    expect(first.code, first.output).to.equal(0);
    expect(first.output).to.include('Applied:');
    for (const name of MIGRATIONS) expect(first.output).to.include(name);
    expect(fs.existsSync(path.join(data.dir, 'pgdata'))).to.equal(true);

    const second = await migrate(env);
    expect(second.code, second.output).to.equal(0);
    expect(second.output).to.include('Already up to date.');
    expect(second.output).to.not.include('Applied:');
  });
});

describe('schema: the unique constraints of messages', () => {
  const projectId = uuidv4();
  const conversationId = uuidv4();
  const knex = () => sharedDatabase().knex;

  before(async () => {
    const leadId = uuidv4();
    await knex()('projects').insert({ id: projectId, name: 'Constraints', identity_secret: 'not-used' });
    await knex()('leads').insert({ id: leadId, project_id: projectId });
    await knex()('conversations').insert({ id: conversationId, project_id: projectId, lead_id: leadId });
    await knex()('messages').insert(message(1, 'first'));
  });
  after(async () => {
    await knex()('projects').where({ id: projectId }).delete();
  });

  function message(seq: number, clientMessageId: string) {
    return { id: uuidv4(), conversation_id: conversationId, seq, client_message_id: clientMessageId, sender_type: 'visitor', text: 'hi' };
  }

  async function insertError(row: ReturnType<typeof message>): Promise<{ code?: string }> {
    try {
      await knex()('messages').insert(row);
    } catch (err) {
      return err as { code?: string };
    }
    throw new Error(`the insert of ${JSON.stringify(row)} succeeded`);
  }

  it('the same (conversation_id, seq) twice fails with 23505', async () => {
    expect((await insertError(message(1, 'another'))).code).to.equal('23505');
  });

  it('the same (conversation_id, client_message_id) twice fails with 23505', async () => {
    expect((await insertError(message(2, 'first'))).code).to.equal('23505');
  });

  it('a new seq with a new clientMessageId is accepted, so the failures above were the constraints', async () => {
    await knex()('messages').insert(message(2, 'second'));
    const rows = await knex()('messages').where({ conversation_id: conversationId }).orderBy('seq').select('seq', 'client_message_id');
    expect(rows).to.deep.equal([
      { seq: 1, client_message_id: 'first' },
      { seq: 2, client_message_id: 'second' },
    ]);
  });
});
