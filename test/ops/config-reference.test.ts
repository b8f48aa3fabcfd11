/**
 * The configuration reference cannot drift from the code: docs/configuration.md and .env.example
 * are what the schema that parses the environment generates, every variable is described, and the
 * defaults .env.example writes down are the defaults the server uses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { envSchema, loadConfig } from '../../src/config.js';
import { configurationMarkdown, envExample, variables } from '../../src/ops/config-reference.js';
import { PROJECT_ROOT } from '../support/spawn-server.js';
import { runNode } from './selfhost-fixtures.js';

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const HOW_TO_FIX = 'run `npm run config:docs` and commit the result';

describe('configuration reference (docs/configuration.md, .env.example)', function () {
  this.timeout(60_000);

  it('describes every variable the schema reads, in one table row each', () => {
    const names = Object.keys(envSchema.shape);
    for (const v of variables()) expect(v.description, `${v.name} has no .describe() in src/config.ts`).to.match(/\S.{10,}/);
    const rows = read('docs/configuration.md')
      .split('\n')
      .filter((line) => /^\| `[A-Z_]+` \|/.test(line))
      .map((line) => /^\| `([A-Z_]+)`/.exec(line)![1]);
    expect(rows).to.deep.equal(names);
  });

  it('docs/configuration.md and .env.example are exactly what the schema generates', () => {
    expect(read('docs/configuration.md'), `docs/configuration.md is out of date: ${HOW_TO_FIX}`).to.equal(configurationMarkdown());
    expect(read('.env.example'), `.env.example is out of date: ${HOW_TO_FIX}`).to.equal(envExample());
  });

  it('the defaults written in .env.example are the ones the server uses', () => {
    // Every commented-out assignment, uncommented, as someone copying the file would.
    const env = Object.fromEntries(
      read('.env.example')
        .split('\n')
        .map((line) => /^# ([A-Z_]+)=(.*)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1]!, m[2]!]),
    );
    expect(Object.keys(env)).to.deep.equal(Object.keys(envSchema.shape));
    expect(loadConfig(env)).to.deep.equal(loadConfig({}));
  });

  it('`npm run config:docs -- --check` agrees (a real run of the script)', async () => {
    const done = await runNode(['--import', 'tsx', 'scripts/config-reference.mjs', '--check'], {});
    expect(done.code, done.stderr).to.equal(0);
  });
});
