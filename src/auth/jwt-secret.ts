/** The signing secret: from JWT_SECRET, else generated once and kept in the data folder (embedded mode). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { writeFileDurably } from '../ops/durable-file.js';

/** Shorter than JWT_SECRET's minimum: not a secret this server wrote (a torn or edited file). */
const MIN_SECRET_CHARS = 32;

export function resolveJwtSecret(config: Config): string {
  if (config.jwtSecret !== null) return config.jwtSecret;
  // A throwaway database gets a throwaway secret: its tokens die with it.
  if (config.database.kind === 'pglite-memory') return crypto.randomBytes(32).toString('base64url');
  const file = path.join(config.dataDir, 'jwt-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  // Only one process opens a data folder (src/db/data-dir-lock.ts), so nobody races this write.
  if (!fs.existsSync(file)) writeFileDurably(file, crypto.randomBytes(32).toString('base64url'));
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SECRET_CHARS) {
    throw new Error(`${file} holds no usable secret (${secret.length} characters); restore it from a backup, or delete it to sign out every agent and visitor`);
  }
  return secret;
}
