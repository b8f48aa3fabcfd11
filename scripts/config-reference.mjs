/**
 * `npm run config:docs`: writes docs/configuration.md and .env.example from the zod schema in
 * src/config.ts. `--check` writes nothing and exits 1 if either file differs from the schema.
 * Runs with tsx (it imports the TypeScript source): `node --import tsx scripts/config-reference.mjs`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configurationMarkdown, envExample } from '../src/ops/config-reference.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = { 'docs/configuration.md': configurationMarkdown(), '.env.example': envExample() };
const check = process.argv.includes('--check');

let drifted = 0;
for (const [relative, wanted] of Object.entries(files)) {
  const file = path.join(root, relative);
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (current === wanted) continue;
  if (check) {
    drifted++;
    console.error(`${relative} differs from the schema in src/config.ts: run npm run config:docs`);
  } else {
    fs.writeFileSync(file, wanted);
    console.log(`wrote ${relative}`);
  }
}
process.exit(drifted > 0 ? 1 : 0);
