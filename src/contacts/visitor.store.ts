/** Visitor ids: one per browser identity; each belongs to at most one lead. */
import type { Db } from '../db/executor.js';

export interface Visitor {
  id: string;
  projectId: string;
  leadId: string | null;
}

interface VisitorRow {
  id: string;
  project_id: string;
  lead_id: string | null;
}

const toVisitor = (row: VisitorRow): Visitor => ({ id: row.id, projectId: row.project_id, leadId: row.lead_id });

export async function insertVisitor(db: Db, visitor: { id: string; projectId: string }): Promise<Visitor> {
  await db('visitors').insert({ id: visitor.id, project_id: visitor.projectId });
  return { id: visitor.id, projectId: visitor.projectId, leadId: null };
}

/**
 * New visitors, each only if its project exists, in one statement (one round trip, one commit):
 * the ids of those written. A project id that is not a uuid must be filtered out before.
 */
export async function insertVisitorsOfProjects(db: Db, visitors: { id: string; projectId: string }[]): Promise<Set<string>> {
  if (visitors.length === 0) return new Set();
  const values = visitors.map(() => '(?::uuid, ?::uuid)').join(', ');
  const { rows } = (await db.raw(
    `insert into visitors (id, project_id)
       select v.id, v.project_id from (values ${values}) as v(id, project_id) join projects p on p.id = v.project_id
       returning id`,
    visitors.flatMap((v) => [v.id, v.projectId]),
  )) as { rows: { id: string }[] };
  return new Set(rows.map((r) => r.id));
}

export async function findVisitor(db: Db, projectId: string, visitorId: string): Promise<Visitor | null> {
  const row = await db<VisitorRow>('visitors').where({ id: visitorId, project_id: projectId }).first();
  return row ? toVisitor(row) : null;
}

/** Reads the visitor and holds its row until the transaction ends, so two tabs never create two leads. */
export async function lockVisitor(db: Db, projectId: string, visitorId: string): Promise<Visitor | null> {
  const row = await db<VisitorRow>('visitors').where({ id: visitorId, project_id: projectId }).forUpdate().first();
  return row ? toVisitor(row) : null;
}

export async function setVisitorLead(db: Db, projectId: string, visitorId: string, leadId: string): Promise<void> {
  await db('visitors').where({ id: visitorId, project_id: projectId }).update({ lead_id: leadId });
}
