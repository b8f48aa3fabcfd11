/**
 * `npm run admin -- <command>` (on a server: `node dist/src/cli/admin.js <command>`): accounts
 * and projects for the operator, with the API's own validation and stores, on the database the
 * server would use (same environment, same .env, migrated first).
 */
import { loadConfig, readEnvironment } from '../config.js';
import { parseInput } from '../validation.js';
import { ADMIN_COMMANDS } from '../ops/admin-commands.js';
import { parseFlags, readPassword } from './args.js';
import { print, runCli, UsageError } from './cli-kit.js';
import { askServer, closeTarget, openTarget } from './target.js';

const flagUsage = (flag: string) => (flag === 'password' ? '[--password <password> | --password-stdin]' : `--${flag} <${flag}>`);

const USAGE = [
  'Usage: npm run admin -- <command> [flags] [--json]',
  '   or: node dist/src/cli/admin.js <command> [flags] [--json]',
  '',
  'Commands:',
  ...Object.entries(ADMIN_COMMANDS).map(([name, c]) => `  ${[name, ...c.flags.map(flagUsage)].join(' ')}\n      ${c.summary}`),
  '',
  '--json prints the result (or the error, on stderr) as JSON. Without --password or',
  '--password-stdin, the password is asked for when standard input is a terminal.',
  'Exit codes: 0 done, 1 usage, validation or refusal (the message says why), 2 unexpected.',
].join('\n');

let json = false;

await runCli(async () => {
  const argv = process.argv.slice(2);
  const name = argv[0];
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    if (name === undefined) throw new UsageError(`which command?\n\n${USAGE}`);
    return print(false, null, USAGE);
  }
  const command = ADMIN_COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${USAGE}`);
  const usesPassword = command.flags.includes('password');
  const { values, positionals } = parseFlags(
    argv.slice(1),
    command.flags,
    ['json', ...(usesPassword ? ['password-stdin'] : [])],
  );
  json = values.json === true;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${USAGE}`);

  const raw: Record<string, unknown> = {};
  for (const flag of command.flags) if (flag !== 'password' && values[flag] !== undefined) raw[flag] = values[flag];
  if (usesPassword) raw.password = await readPassword(values);
  // Validated before the database is opened: a typo fails at once, and changes nothing.
  const input = parseInput(command.input, raw);

  const config = loadConfig(readEnvironment());
  const target = await openTarget(config, { migrate: true });
  try {
    const result =
      target.kind === 'database'
        ? await command.run(target.db.knex, input)
        : // The flags as given: the server validates them with the same schema (parsing twice is not always a no-op).
          ((JSON.parse((await askServer(target.socketPath, 'POST', `/commands/${name}`, raw)).toString('utf8')) as { data: unknown }).data);
    print(json, result, command.describe(result));
  } finally {
    await closeTarget(target);
  }
}, () => json);
