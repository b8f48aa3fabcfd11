/**
 * `npm start` (and `npm run admin|backup|restore|migrate`): builds only when the sources changed
 * since the last build, then runs the built entry in this very process (signals reach it
 * directly, as with `exec node`).
 *
 *   node scripts/start.mjs [dist/src/<entry>.js] [args…]   build if needed, then run the entry (default: the server)
 *   node scripts/start.mjs --stamp                          record the sources as built (`npm run build` does, in postbuild)
 *
 * "Changed" means the fingerprint of the sources (every file's path, size and mtime under src/,
 * migrations/, web/, scripts/, plus the tsconfigs, package files and knexfile) differs from the
 * one in dist/.build-stamp. Checking takes a few milliseconds; a build takes seconds.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'dist', '.build-stamp');
const SOURCE_DIRS = ['src', 'migrations', 'web', 'scripts'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'knexfile.ts'];

function listFiles(dir, into) {
  if (!fs.existsSync(dir)) return into;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(full, into);
    else if (entry.isFile()) into.push(full);
  }
  return into;
}

/** One hash over every source file's path, size and modification time. */
export function sourceFingerprint() {
  const files = [...SOURCE_DIRS.flatMap((dir) => listFiles(path.join(root, dir), [])), ...SOURCE_FILES.map((f) => path.join(root, f))]
    .filter((file) => fs.existsSync(file))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    const stat = fs.statSync(file);
    hash.update(`${path.relative(root, file)}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const readStamp = () => (fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : null);
const writeStamp = (fingerprint) => {
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, `${fingerprint}\n`);
};

/** Builds if the sources changed; says on stderr what it did (stdout stays the entry's, e.g. --json). */
function buildIfChanged(entry, { quietWhenUpToDate }) {
  const checkStarted = performance.now();
  // Taken before building: a file saved during the build makes the next start build again.
  const fingerprint = sourceFingerprint();
  if (fingerprint === readStamp() && fs.existsSync(entry)) {
    if (!quietWhenUpToDate) process.stderr.write(`build: up to date (checked in ${Math.round(performance.now() - checkStarted)} ms)\n`);
    return;
  }
  process.stderr.write('build: sources changed since the last build; building…\n');
  const started = performance.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // The build's own output goes to stderr too.
  const result = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    process.stderr.write(`build: failed (${result.error?.message ?? `exit ${result.status}`}); nothing started\n`);
    process.exit(1);
  }
  writeStamp(fingerprint);
  process.stderr.write(`build: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

const [first, ...rest] = process.argv.slice(2);
if (first === '--stamp') {
  writeStamp(sourceFingerprint());
} else {
  const hasEntry = first !== undefined && first.endsWith('.js');
  const entry = path.resolve(root, hasEntry ? first : 'dist/src/main.js');
  // The server says it (a start that tells the truth); the command-line tools stay quiet.
  buildIfChanged(entry, { quietWhenUpToDate: hasEntry });
  // The entry sees the arguments as if it had been run as `node <entry> args…`.
  process.argv = [process.argv[0], entry, ...(hasEntry ? rest : process.argv.slice(2))];
  await import(pathToFileURL(entry).href);
}
