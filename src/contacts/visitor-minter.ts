/**
 * Group commit for new anonymous visitors: the handshakes that arrive while one INSERT runs go
 * into the next one, a single multi-row statement (its own autocommit transaction) that also
 * checks each project. A burst of widgets loading costs one round trip per batch, not two per visitor.
 */
import type { Knex } from 'knex';
import { v4 as uuidv4, validate as isUuid } from 'uuid';
import { toAppError } from '../errors.js';
import { insertVisitorsOfProjects, type Visitor } from './visitor.store.js';

interface Pending {
  visitor: { id: string; projectId: string };
  resolve(visitor: Visitor | null): void;
  reject(err: unknown): void;
}

/** Upper bound of one batch, to keep a statement's size sane under a burst. */
const MAX_BATCH = 500;

export class VisitorMinter {
  private queue: Pending[] = [];
  private draining: Promise<void> | null = null;

  constructor(private readonly knex: Knex) {}

  /** A new visitor of the project, committed once this resolves; null when there is no such project. */
  mint(projectId: string): Promise<Visitor | null> {
    if (!isUuid(projectId)) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.queue.push({ visitor: { id: uuidv4(), projectId }, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Let the event loop read the handshakes already waiting (on PGlite a statement runs in microtasks).
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.insert(this.queue.splice(0, MAX_BATCH));
      }
    } finally {
      this.draining = null;
    }
  }

  private async insert(batch: Pending[]): Promise<void> {
    try {
      this.settle(batch, await insertVisitorsOfProjects(this.knex, batch.map((p) => p.visitor)));
    } catch (err) {
      // One bad row (a project deleted meanwhile) must not fail its neighbours: unless the
      // database itself is gone, retry each alone so only the culprit gets the error.
      if (batch.length === 1 || toAppError(err).code === 'UNAVAILABLE') {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) {
        try {
          this.settle([p], await insertVisitorsOfProjects(this.knex, [p.visitor]));
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  private settle(batch: Pending[], written: Set<string>): void {
    for (const p of batch) p.resolve(written.has(p.visitor.id) ? { ...p.visitor, leadId: null } : null);
  }
}
