/**
 * Group commit for new anonymous visitors: the handshakes that arrive while one INSERT runs go
 * into the next one, a single multi-row statement (its own autocommit transaction) that also
 * checks each project. A burst of widgets loading costs one round trip per batch, not two per visitor.
 */
import type { Knex } from 'knex';
import { v4 as uuidv4, validate as isUuid } from 'uuid';
import { GroupCommit } from '../db/group-commit.js';
import { insertVisitorsOfProjects, type Visitor } from './visitor.store.js';

type NewVisitor = { id: string; projectId: string };

export class VisitorMinter {
  private readonly batches = new GroupCommit<NewVisitor, Visitor | null>(async (batch) => {
    const written = await insertVisitorsOfProjects(this.knex, batch.map((entry) => entry.input));
    for (const { input, resolve } of batch) resolve(written.has(input.id) ? { ...input, leadId: null } : null);
  });

  constructor(private readonly knex: Knex) {}

  /** A new visitor of the project, committed once this resolves; null when there is no such project. */
  mint(projectId: string): Promise<Visitor | null> {
    if (!isUuid(projectId)) return Promise.resolve(null);
    return this.batches.submit({ id: uuidv4(), projectId });
  }
}
