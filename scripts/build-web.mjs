/**
 * Builds the pages people use (web/<page>/main.tsx) into dist/public/<page>.js with esbuild:
 * one bundle per page, Preact's automatic JSX, minified. `npm run build` runs it after tsc;
 * the server serves dist/public (src/http/web.routes.ts).
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pages = fs
  .readdirSync(path.join(root, 'web'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, 'web', entry.name, 'main.tsx')))
  .map((entry) => entry.name);

const outdir = path.join(root, 'dist', 'public');
fs.mkdirSync(outdir, { recursive: true });

await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(pages.map((page) => [page, `web/${page}/main.tsx`])),
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
});
