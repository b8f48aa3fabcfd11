/** Small numbers helpers for the bench: percentiles, process memory and CPU, load average, a quiet machine. */
import fs from 'node:fs';
import os from 'node:os';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Resident memory of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

export const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A /proc/<pid>/stat line: the command (comm) and the fields after it (fields[11] is utime, as in proc(5) field 14). */
function parseStat(stat: string): { comm: string; fields: string[] } {
  const close = stat.lastIndexOf(')');
  return { comm: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
}

/** CPU time (user + system) a process has used so far, in microseconds (Linux /proc; clock ticks of 10 ms). */
export function cpuMicrosOf(pid: number): number {
  const { fields } = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Major page faults of a process so far: pages it had to wait for the disk for (Linux /proc, proc(5) field 12). */
export function majorFaultsOf(pid: number): number {
  return Number(parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).fields[9]);
}

/** Time the machine's virtual CPUs waited for the host while they had work (steal, all cores), in ms (Linux /proc/stat). */
export function stealMillis(): number {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (fields[7] ?? 0) * 10;
}

/**
 * CPU time (user + system) of every process running one of `commands` (their /proc comm), and of
 * the children those have waited for, in microseconds: for `postgres`, the postmaster's reaped
 * backends too, so that a backend that exits during a measurement still counts.
 */
export function cpuMicrosOfCommands(commands: string[]): number {
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const { comm, fields } = parseStat(stat);
    if (!commands.includes(comm)) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks * 10_000;
}

/** The whole machine's busy and total CPU ticks so far (Linux /proc/stat, all cores). */
function machineTicks(): { busy: number; total: number } {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  // idle and iowait are not work.
  return { busy: total - fields[3]! - (fields[4] ?? 0), total };
}

/**
 * Waits (at most `maxSeconds`) until the machine has been nearly idle for a whole second (under
 * `busyShare` of all cores busy), and says how long that took: what a phase leaves behind (a
 * dropped database's files, PostgreSQL's checkpoint, the kernel writing back) must not run
 * during the next phase's rounds, where it would weigh on some rounds and not on others.
 */
export async function quietMachine(maxSeconds = 30, busyShare = 0.15): Promise<number> {
  const started = performance.now();
  while ((performance.now() - started) / 1000 < maxSeconds) {
    const before = machineTicks();
    await sleep(1000);
    const after = machineTicks();
    if ((after.busy - before.busy) / Math.max(1, after.total - before.total) < busyShare) break;
  }
  return (performance.now() - started) / 1000;
}
