/**
 * Real browser tests: Debian's Chromium driven by playwright-core (which never downloads a
 * browser). `npm test` runs them when Chromium is installed; `.ci/run` installs it and sets
 * REQUIRE_BROWSER=1, so there a missing browser fails the run instead of leaving them out.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from './spawn-server.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser suites run: Chromium is there, or CI demands it (then a missing one fails). */
export function browserTestsEnabled(): boolean {
  return fs.existsSync(CHROMIUM) || process.env.REQUIRE_BROWSER === '1';
}

export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is required for the browser tests and was not found at ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

let built = false;

/** Builds the pages (dist/public) once per test run, as `npm run build` does. */
export function ensurePagesBuilt(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-web.mjs')], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  built = true;
}

/** Where the browser tests write their screenshots (the README shows the current ones). */
export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'docs', 'screenshots');
