/** Projects: the tenant every other record belongs to. */
import crypto from 'node:crypto';
import { v4 as uuidv4, validate as isUuid } from 'uuid';
import { toIso, type Db } from '../db/executor.js';
import type { PrechatField, WidgetConfig } from './prechat-fields.js';

export type Routing = 'auto' | 'pooled';

export interface Project {
  id: string;
  name: string;
  createdAt: string;
  routing: Routing;
  defaultMaxConcurrent: number;
  /** The widget's custom pre-chat fields (visible to every member). */
  prechatFields: PrechatField[];
  /** Present only for owners and admins. */
  identitySecret?: string;
}

interface ProjectRow {
  id: string;
  name: string;
  routing: Routing;
  default_max_concurrent: number;
  identity_secret: string;
  prechat_fields: PrechatField[] | null;
  created_at: Date;
}

export function newIdentitySecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function toProject(row: ProjectRow, withSecret: boolean): Project {
  const project: Project = {
    id: row.id,
    name: row.name,
    createdAt: toIso(row.created_at),
    routing: row.routing,
    defaultMaxConcurrent: row.default_max_concurrent,
    prechatFields: row.prechat_fields ?? [],
  };
  if (withSecret) project.identitySecret = row.identity_secret;
  return project;
}

export async function insertProject(db: Db, input: { name: string }): Promise<Project> {
  const [row] = await db<ProjectRow>('projects')
    .insert({ id: uuidv4(), name: input.name, identity_secret: newIdentitySecret() })
    .returning('*');
  return toProject(row!, true);
}

export async function findProject(db: Db, projectId: string, options: { withSecret: boolean }): Promise<Project | null> {
  const row = await db<ProjectRow>('projects').where({ id: projectId }).first();
  return row ? toProject(row, options.withSecret) : null;
}

/** False for ids that are not UUIDs, too: they name no project. */
export async function projectExists(db: Db, projectId: string): Promise<boolean> {
  if (!isUuid(projectId)) return false;
  return (await db('projects').where({ id: projectId }).first('id')) !== undefined;
}

export interface ProjectChanges {
  name?: string;
  routing?: Routing;
  defaultMaxConcurrent?: number;
  prechatFields?: PrechatField[];
}

/** Sets the given settings; fields left undefined stay. Null if there is no such project. */
export async function updateProject(db: Db, projectId: string, changes: ProjectChanges): Promise<Project | null> {
  const set: Record<string, unknown> = {};
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.routing !== undefined) set.routing = changes.routing;
  if (changes.defaultMaxConcurrent !== undefined) set.default_max_concurrent = changes.defaultMaxConcurrent;
  // Stringified: node-postgres would send a JS array as a PostgreSQL array, not as JSON.
  if (changes.prechatFields !== undefined) set.prechat_fields = JSON.stringify(changes.prechatFields);
  if (Object.keys(set).length === 0) return findProject(db, projectId, { withSecret: true });
  const [row] = (await db('projects')
    .where({ id: projectId })
    .update({ ...set, updated_at: db.fn.now() })
    .returning('*')) as ProjectRow[];
  return row ? toProject(row, true) : null;
}

/** A new identity secret; the old one stops verifying identities at once (the handshake reads it each time). */
export async function rotateIdentitySecret(db: Db, projectId: string): Promise<string | null> {
  const secret = newIdentitySecret();
  const updated = await db('projects').where({ id: projectId }).update({ identity_secret: secret, updated_at: db.fn.now() });
  return updated === 0 ? null : secret;
}

/** The secret that signs this project's visitor identities, or null for an unknown project. */
export async function identitySecretOf(db: Db, projectId: string): Promise<string | null> {
  if (!isUuid(projectId)) return null;
  const row = await db<ProjectRow>('projects').where({ id: projectId }).first('identity_secret');
  return row?.identity_secret ?? null;
}

/** The projects an agent is a member of, with its role in each, oldest membership first (the console's project picker). */
export async function listProjectsOf(db: Db, agentId: string): Promise<(Project & { role: string })[]> {
  const rows: (ProjectRow & { role: string })[] = await db('project_members as m')
    .join('projects as p', 'p.id', 'm.project_id')
    .where('m.agent_id', agentId)
    .orderBy([{ column: 'm.created_at', order: 'asc' }, { column: 'p.id', order: 'asc' }])
    .select('p.*', 'm.role');
  return rows.map((row) => ({ ...toProject(row, false), role: row.role }));
}

/** What a visitor's widget may read about the project (no agent token): null for an unknown project. */
export async function findWidgetConfig(db: Db, projectId: string): Promise<WidgetConfig | null> {
  if (!isUuid(projectId)) return null;
  const row = await db<ProjectRow>('projects').where({ id: projectId }).first('prechat_fields');
  return row ? { prechatFields: row.prechat_fields ?? [] } : null;
}
