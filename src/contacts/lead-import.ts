/**
 * POST …/leads/import: the whole file is parsed and every row checked before one transaction
 * writes the valid rows, in bulk (a 10 MB file is ~50–100k rows; one query per row would take
 * most of a minute on PGlite).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { v4 as uuidv4 } from 'uuid';
import { AppError } from '../errors.js';
import { isUniqueViolation } from '../db/errors.js';
import { parseCsv } from './lead-csv.js';
import { columnsOf, rowsOf, type ImportRow } from './lead-import-rows.js';
import { planImport, type Draft, type RowReport } from './lead-import-plan.js';
import { writeLeadEvents } from '../integrations/lead-events.js';

export interface ImportReport {
  created: number;
  updated: number;
  failed: number;
  rows: RowReport[];
}

/**
 * Leads (or lookup keys) per statement: each carries them as one parameter. Between statements
 * the event loop gets a turn: PGlite runs a statement synchronously in this very thread.
 */
const CHUNK = 2000;

/** The columns of a lead as the bulk statements read them from jsonb_to_recordset. */
const RECORD = 'r(id uuid, external_id text, fullname text, first_name text, last_name text, email text, phone text, attributes jsonb, tags text[], age bigint)';

interface LeadRecordRow {
  id: string;
  external_id: string | null;
  fullname: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  attributes: Record<string, unknown> | null;
  tags: string[] | null;
  verified: boolean;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

const unique = <T>(values: (T | undefined | null)[]) => [...new Set(values.filter((v): v is T => v !== undefined && v !== null && v !== ''))];

const COLUMNS = ['id', 'external_id', 'fullname', 'first_name', 'last_name', 'email', 'phone', 'attributes', 'tags', 'verified'];

/**
 * Every lead of the project a row can name (by id, externalId or email), locked until the
 * transaction ends so that what was planned against is what gets written over.
 *
 * First the ids, unlocked: one index probe per key (a LATERAL the planner cannot flatten; for
 * `= any(array)` or a join it has no statistics on lower(email), which live on a partial index,
 * and it read the whole project once per chunk of keys). Then the rows, locked in id order, the
 * order every writer of leads locks them in (lead-merge.ts), so an import and a merge wait for
 * each other instead of deadlocking. A lead erased or merged away in between is simply absent.
 */
async function loadCandidates(trx: Knex.Transaction, projectId: string, rows: ImportRow[]): Promise<Draft[]> {
  const lookups: [keys: string[], type: string, match: string][] = [
    [unique(rows.map((r) => r.id)), 'uuid', 'id = k.key'],
    [unique(rows.map((r) => r.cells.externalId?.trim())), 'text', 'external_id = k.key'],
    [unique(rows.map((r) => r.cells.email?.trim().toLowerCase())), 'text', 'email is not null and lower(email) = k.key'],
  ];
  const ids = new Set<string>();
  for (const [keys, type, match] of lookups) {
    for (const chunk of chunks(keys)) {
      const found = await trx.raw<{ rows: { id: string }[] }>(
        `select l.id from unnest(?::${type}[]) as k(key), lateral (select id from leads where project_id = ? and ${match} offset 0) as l`,
        [chunk, projectId],
      );
      for (const row of found.rows) ids.add(row.id);
      await nextTurn();
    }
  }
  const locked: LeadRecordRow[] = [];
  for (const chunk of chunks([...ids].sort())) {
    locked.push(...(await trx('leads').where('project_id', projectId).whereIn('id', chunk).orderBy('id').forUpdate().select(COLUMNS)));
    await nextTurn();
  }
  return locked.map((row) => {
    const state = {
      externalId: row.external_id, fullname: row.fullname, firstName: row.first_name, lastName: row.last_name,
      email: row.email, phone: row.phone, attributes: row.attributes ?? {}, tags: row.tags ?? [],
    };
    return { id: row.id, verified: row.verified, original: state, state };
  });
}

const asRecord = (draft: Draft, age = 0) => {
  const s = draft.state;
  return { id: draft.id, external_id: s.externalId, fullname: s.fullname, first_name: s.firstName, last_name: s.lastName, email: s.email, phone: s.phone, attributes: s.attributes, tags: s.tags, age };
};

/**
 * Inserts the new leads. Their createdAt steps back one microsecond per row from the last,
 * so the list (newest first) shows them in the reverse of the file's order, not shuffled by id.
 */
async function insertDrafts(trx: Knex.Transaction, projectId: string, drafts: Draft[]): Promise<void> {
  const records = drafts.map((d, i) => asRecord(d, drafts.length - 1 - i));
  for (const chunk of chunks(records)) {
    await trx.raw(
      `insert into leads (id, project_id, external_id, fullname, first_name, last_name, email, phone, attributes, tags, created_at, updated_at)
       select r.id, ?::uuid, r.external_id, r.fullname, r.first_name, r.last_name, r.email, r.phone, r.attributes, r.tags,
              now() - r.age * interval '1 microsecond', now() - r.age * interval '1 microsecond'
       from jsonb_to_recordset(?::jsonb) as ${RECORD}`,
      [projectId, JSON.stringify(chunk)],
    );
    await nextTurn();
  }
}

/** Writes the planned state of leads that changed (their rows are locked since loadCandidates). */
async function updateDrafts(trx: Knex.Transaction, projectId: string, drafts: Draft[]): Promise<void> {
  for (const chunk of chunks(drafts.map((d) => asRecord(d)))) {
    await trx.raw(
      `update leads set external_id = r.external_id, fullname = r.fullname, first_name = r.first_name, last_name = r.last_name,
              email = r.email, phone = r.phone, attributes = r.attributes, tags = r.tags, updated_at = now()
       from jsonb_to_recordset(?::jsonb) as ${RECORD}
       where leads.project_id = ?::uuid and leads.id = r.id`,
      [JSON.stringify(chunk), projectId],
    );
    await nextTurn();
  }
}

async function importRows(trx: Knex.Transaction, projectId: string, rows: ImportRow[]): Promise<ImportReport> {
  // The probes' cost estimates are far off (no statistics, see loadCandidates); compiling them
  // (JIT) took ten times longer than running them.
  await trx.raw('set local jit = off');
  const plan = await planImport(await loadCandidates(trx, projectId, rows), rows, uuidv4);
  await insertDrafts(trx, projectId, plan.creates);
  await updateDrafts(trx, projectId, plan.updates);
  // Webhooks: one event per created or updated lead, in this transaction (src/integrations).
  await writeLeadEvents(trx, projectId, 'lead.created', plan.creates.map((d) => d.id));
  await writeLeadEvents(trx, projectId, 'lead.updated', plan.updates.map((d) => d.id));
  const count = (status: RowReport['status']) => plan.rows.filter((r) => r.status === status).length;
  return { created: count('created'), updated: count('updated'), failed: count('failed'), rows: plan.rows };
}

/**
 * Imports a CSV body. A body that is not CSV, is empty or has an unusable header is
 * VALIDATION_FAILED and nothing is written; otherwise the valid rows are written together and
 * the others reported. Someone else creating one of the file's externalIds between our read
 * and our insert fails the transaction; it is then planned and run once more, and finds it.
 */
export async function importLeadsCsv(knex: Knex, logger: Logger, projectId: string, body: unknown): Promise<ImportReport> {
  if (typeof body !== 'string') {
    throw new AppError('VALIDATION_FAILED', 'Send the file as the body, with Content-Type: text/csv.', [{ path: 'body', message: 'must be text/csv' }]);
  }
  const [header, ...records] = await parseCsv(body);
  if (!header || !header.some((cell) => cell.trim() !== '')) {
    throw new AppError('VALIDATION_FAILED', 'The CSV is empty.', [{ path: 'body', message: 'must have a header row' }]);
  }
  const rows = rowsOf(records, columnsOf(header));
  for (let attempt = 0; ; attempt++) {
    try {
      const report = await knex.transaction((trx) => importRows(trx, projectId, rows));
      if (report.created >= ANALYZE_AFTER_CREATED) await refreshStatistics(knex, logger);
      return report;
    } catch (err) {
      if (attempt > 0 || !isUniqueViolation(err, 'leads_project_external_id_unique')) throw err;
    }
  }
}

/** New leads after which the planner's statistics are refreshed at once. */
const ANALYZE_AFTER_CREATED = 1000;

/**
 * A bulk import can grow the table faster than autovacuum re-analyses it, and PGlite has no
 * autovacuum at all. With stale statistics the planner takes a project's 100k fresh leads for
 * a few hundred and sorts them all for every page of the list (and of the export that often
 * follows an import): measured at 200 ms a page instead of 2 ms.
 */
async function refreshStatistics(knex: Knex, logger: Logger): Promise<void> {
  try {
    await knex.raw('analyze leads');
  } catch (err) {
    logger.warn({ err }, 'could not analyze leads after an import');
  }
}
