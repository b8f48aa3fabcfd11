/** Every project on the server with its owners and member count: for the operator, across tenants on purpose. */
import type { Knex } from 'knex';
import { toIso } from '../db/executor.js';

export interface ProjectSummary {
  id: string;
  name: string;
  createdAt: string;
  /** Emails of its owners, alphabetically. */
  owners: string[];
  members: number;
}

interface Row {
  id: string;
  name: string;
  created_at: Date;
  owners: string[] | null;
  members: number | string;
}

export async function listAllProjects(knex: Knex): Promise<ProjectSummary[]> {
  const rows = (await knex('projects as p')
    .select(
      'p.id',
      'p.name',
      'p.created_at',
      knex.raw(`array(select a.email from project_members m join agents a on a.id = m.agent_id where m.project_id = p.id and m.role = 'owner' order by a.email) as owners`),
      knex.raw('(select count(*) from project_members m where m.project_id = p.id) as members'),
    )
    .orderBy([{ column: 'p.created_at' }, { column: 'p.id' }])) as Row[];
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: toIso(row.created_at), owners: row.owners ?? [], members: Number(row.members) }));
}
