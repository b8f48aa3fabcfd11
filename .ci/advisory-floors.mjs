// Fallback for `npm audit` when the registry's advisory endpoint cannot be reached from this
// machine: every installed production copy of a package with a known high/critical advisory
// must be at or above the first fixed version. Sources: the advisories named in stack-facts.md.
import { execFileSync } from 'node:child_process';

const FLOORS = {
  ws: '8.21.0',
  'engine.io': '6.6.9',
  'socket.io-parser': '4.2.3',
  'path-to-regexp': '8.0.0',
  'body-parser': '2.0.0',
  cookie: '0.7.0',
};

const tree = JSON.parse(execFileSync('npm', ['ls', '--omit=dev', '--all', '--json'], { encoding: 'utf8' }));
const cmp = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split('-')[0].split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};
const bad = [];
const walk = (deps = {}) => {
  for (const [name, node] of Object.entries(deps)) {
    if (FLOORS[name] && node.version && cmp(node.version, FLOORS[name]) < 0) bad.push(`${name}@${node.version} < ${FLOORS[name]}`);
    walk(node.dependencies);
  }
};
walk(tree.dependencies);
if (bad.length > 0) {
  console.error(`Known advisories not fixed:\n  ${bad.join('\n  ')}`);
  process.exit(1);
}
console.log(`No production package below its advisory floor (${Object.keys(FLOORS).join(', ')}).`);
