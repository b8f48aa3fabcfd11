/** The signing secret: from JWT_SECRET, else generated once and kept in the data folder (embedded mode). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

export function resolveJwtSecret(config: Config): string {
  if (config.jwtSecret !== null) return config.jwtSecret;
  // A throwaway database gets a throwaway secret: its tokens die with it.
  if (config.database.kind === 'pglite-memory') return crypto.randomBytes(32).toString('base64url');
  const file = path.join(config.dataDir, 'jwt-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(file, 'utf8').trim();
}
