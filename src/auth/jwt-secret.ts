/** The signing secret: from JWT_SECRET, else generated once and kept in the data folder (embedded mode). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

/** Shorter than JWT_SECRET's minimum: not a secret this server wrote (a torn or edited file). */
const MIN_SECRET_CHARS = 32;

export function resolveJwtSecret(config: Config): string {
  if (config.jwtSecret !== null) return config.jwtSecret;
  // A throwaway database gets a throwaway secret: its tokens die with it.
  if (config.database.kind === 'pglite-memory') return crypto.randomBytes(32).toString('base64url');
  const file = path.join(config.dataDir, 'jwt-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (!fs.existsSync(file)) writeDurably(file, crypto.randomBytes(32).toString('base64url'));
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SECRET_CHARS) {
    throw new Error(`${file} holds no usable secret (${secret.length} characters); restore it from a backup, or delete it to sign out every agent and visitor`);
  }
  return secret;
}

/**
 * Written whole or not at all, and on disk before anyone signs with it: a temporary file,
 * fsynced, renamed over the name (atomic), then the folder fsynced so the rename survives a
 * power cut. Only one process opens a data folder (src/db/data-dir-lock.ts), so nobody races it.
 */
function writeDurably(file: string, content: string): void {
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
