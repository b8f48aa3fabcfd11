/** The targets: each figure beside its bound, and whether any was missed. */
type Op = '>=' | '<=' | '<' | '>' | '=';

interface Line {
  name: string;
  value: number;
  op?: Op;
  bound?: number;
  met: boolean;
}

const holds = (value: number, op: Op, bound: number) =>
  op === '>=' ? value >= bound : op === '<=' ? value <= bound : op === '<' ? value < bound : op === '>' ? value > bound : value === bound;

export class Targets {
  private lines: Line[] = [];

  check(name: string, value: number, op: Op, bound: number): void {
    this.lines.push({ name, value, op, bound, met: Number.isFinite(value) && holds(value, op, bound) });
  }

  /** A figure printed beside the targets without one of its own. */
  info(name: string, value: number): void {
    this.lines.push({ name, value, met: true });
  }

  missed(): boolean {
    return this.lines.some((l) => !l.met);
  }

  print(): void {
    console.log('\ntargets:');
    for (const l of this.lines) {
      const target = l.op ? `${l.op} ${l.bound}` : '';
      const verdict = l.op ? (l.met ? 'met' : 'MISSED') : '';
      console.log(`  ${l.name.padEnd(52)} ${l.value.toFixed(3).padStart(12)}  ${target.padEnd(8)} ${verdict}`);
    }
    console.log(this.missed() ? '\nsome targets MISSED' : '\nall targets met');
  }
}
