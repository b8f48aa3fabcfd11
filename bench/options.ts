/** Command-line flags of `npm run bench`. */
export interface BenchOptions {
  phases: Set<string>;
  conversations: number;
  messages: number;
  idle: number;
  leads: number[];
  /** Messages the `stored` phase loads before it reruns the chat phases. */
  stored: number;
  samples: number;
  pgUrl: string;
  redisUrl: string;
  cpuProf: boolean;
  /** Extra node flags for the Pingstreams servers under test (never the relay), e.g. a GC setting to try. */
  serverNodeArgs: string[];
}

export const ALL_PHASES = ['relay', 'postgres', 'embedded', 'stored', 'idle', 'leads'];

const USAGE = `npm run bench -- [--quick] [--phases=${ALL_PHASES.join(',')}] [--conversations=100] [--messages=300]
                   [--stored=1000000] [--idle=10000] [--leads=1000,1000000] [--samples=1000] [--cpu-prof]
                   [--server-node-args="--max-semi-space-size=64 …"]
  server-node-args: node flags for the Pingstreams servers only (the relay keeps node's defaults)
  stored: after the postgres and/or embedded chat phase (select one of them too), load --stored
          messages into the same database and run that chat phase again (--quick: 50,000)
  PG_URL (postgres://postgres@127.0.0.1:5432/postgres: creates and drops a database of its own), REDIS_URL (redis://127.0.0.1:6379)
  BENCH_SERVER_LOG=/tmp/srv: every spawned server's whole output also goes to /tmp/srv.<script>.<ms> (with
          --server-node-args="--trace-gc --trace-gc-nvp", the GC of each phase)`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}\n${USAGE}`);
    flags.set(match[1]!, match[2] ?? 'true');
  }
  if (flags.has('help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = flags.has('quick');
  const num = (name: string, full: number, short: number) => Number(flags.get(name) ?? (quick ? short : full));
  const phases = new Set((flags.get('phases') ?? ALL_PHASES.join(',')).split(','));
  for (const p of phases) if (!ALL_PHASES.includes(p)) throw new Error(`unknown phase ${p}\n${USAGE}`);
  if (phases.has('stored') && !phases.has('postgres') && !phases.has('embedded')) {
    throw new Error(`the stored phase reruns the postgres or embedded chat phase: select one of them too\n${USAGE}`);
  }
  return {
    phases,
    conversations: num('conversations', 100, 20),
    messages: num('messages', 300, 100),
    idle: num('idle', 10_000, 500),
    stored: num('stored', 1_000_000, 50_000),
    leads: (flags.get('leads') ?? (quick ? '1000,20000' : '1000,1000000')).split(',').map(Number),
    samples: num('samples', 1_000, 100),
    pgUrl: env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    cpuProf: flags.has('cpu-prof'),
    serverNodeArgs: (flags.get('server-node-args') ?? '').split(/\s+/).filter(Boolean),
  };
}
