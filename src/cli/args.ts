/** Command-line flags (`--name value`), and passwords from a flag, standard input or a hidden prompt. */
import { parseArgs } from 'node:util';
import { UsageError } from './cli-kit.js';

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** `strings` take a value, `booleans` do not; anything else is a UsageError naming it. */
export function parseFlags(argv: string[], strings: string[], booleans: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of strings) options[name] = { type: 'string' };
  for (const name of booleans) options[name] = { type: 'boolean' };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { positionals, values: values as ParsedArgs['values'] };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the question shows: whatever is typed (or pasted) as soon as it appears is
  // not echoed by the terminal (test/ops/admin-cli.test.ts types at the prompt at once).
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (finish: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      finish();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(() => resolve(typed));
        if (char === '\u0003') return done(() => reject(new UsageError('cancelled')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The password: `--password`, or `--password-stdin` (a flag's value shows in `ps` and shell
 * history; stdin does not), or asked for when a person sits at a terminal.
 */
export async function readPassword(values: ParsedArgs['values']): Promise<string> {
  if (typeof values.password === 'string') return values.password;
  if (values['password-stdin']) return (await readAll(process.stdin)).replace(/\r?\n$/, '');
  if (process.stdin.isTTY) return promptHidden('Password: ');
  throw new UsageError('give the password with --password <password> or --password-stdin (standard input is not a terminal, so it cannot be asked for)');
}
