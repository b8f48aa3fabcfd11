/** API keys: created with a random secret shown once, stored as its SHA-256, looked up per request. */
import crypto from 'node:crypto';
import { v4 as uuidv4 } from 'uuid';
import type { Knex } from 'knex';
import { toIso, type Db } from '../db/executor.js';
import { API_KEY_PREFIX, type ApiKeyScope } from './scopes.js';

export interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** What a request presenting a key is allowed: its project and scopes. */
export interface ApiKeyCaller {
  id: string;
  projectId: string;
  scopes: string[];
}

interface ApiKeyRow {
  id: string;
  project_id: string;
  name: string;
  scopes: string[];
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
}

const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes,
  prefix: row.prefix,
  createdAt: toIso(row.created_at),
  lastUsedAt: toIso(row.last_used_at),
});

const hashKey = (key: string) => crypto.createHash('sha256').update(key).digest('hex');

export async function createApiKey(db: Db, projectId: string, input: { name: string; scopes: ApiKeyScope[] }): Promise<ApiKey & { key: string }> {
  // 32 random bytes: a SHA-256 without salt or stretching is enough for a key this long.
  const key = API_KEY_PREFIX + crypto.randomBytes(32).toString('base64url');
  const [row] = (await db('api_keys')
    .insert({ id: uuidv4(), project_id: projectId, name: input.name, scopes: [...new Set(input.scopes)], prefix: key.slice(0, 12), key_hash: hashKey(key) })
    .returning('*')) as ApiKeyRow[];
  return { ...toApiKey(row!), key };
}

export async function listApiKeys(db: Db, projectId: string): Promise<ApiKey[]> {
  const rows = (await db('api_keys').where({ project_id: projectId }).orderBy([{ column: 'created_at', order: 'desc' }, 'id'])) as ApiKeyRow[];
  return rows.map(toApiKey);
}

export async function deleteApiKey(db: Db, projectId: string, keyId: string): Promise<boolean> {
  return (await db('api_keys').where({ id: keyId, project_id: projectId }).delete().returning('id')).length > 0;
}

/** When this process last wrote each key's last_used_at (ms): at most one write a minute per key. */
const lastUseWritten = new Map<string, number>();
const USE_WRITE_EVERY_MS = 60_000;

/**
 * The key with this secret, by an indexed lookup on its hash at every request: a revoked key
 * (deleted row) is refused at once by every process, with no cache to invalidate.
 */
export async function findApiKeyByToken(knex: Knex, token: string): Promise<ApiKeyCaller | null> {
  const row = (await knex('api_keys').where({ key_hash: hashKey(token) }).first('id', 'project_id', 'scopes')) as Pick<ApiKeyRow, 'id' | 'project_id' | 'scopes'> | undefined;
  if (!row) return null;
  noteUse(knex, row.id);
  return { id: row.id, projectId: row.project_id, scopes: row.scopes };
}

/** lastUsedAt to the minute, written in the background; the condition keeps N processes from each writing it. */
function noteUse(knex: Knex, keyId: string): void {
  const now = Date.now();
  if (now - (lastUseWritten.get(keyId) ?? 0) < USE_WRITE_EVERY_MS) return;
  lastUseWritten.set(keyId, now);
  if (lastUseWritten.size > 10_000) lastUseWritten.clear();
  void knex('api_keys')
    .where({ id: keyId })
    .andWhere((q) => q.whereNull('last_used_at').orWhereRaw(`last_used_at < now() - interval '1 minute'`))
    .update({ last_used_at: knex.fn.now() })
    .catch(() => lastUseWritten.delete(keyId));
}
