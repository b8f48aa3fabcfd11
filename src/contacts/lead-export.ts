/** GET …/leads/export: the leads the list's filters select, newest first, as CSV streamed page by page. */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { Page } from '../db/cursor.js';
import type { Db } from '../db/executor.js';
import { csvLine } from './lead-csv.js';
import { listLeads, type LeadFilters } from './lead-search.js';
import type { Lead } from './lead.store.js';

/** Leads read per query: big enough to be quick, small enough that memory stays flat. */
export const EXPORT_BATCH = 500;

export const EXPORT_COLUMNS = [
  'id', 'externalId', 'fullname', 'firstName', 'lastName', 'email', 'phone', 'tags', 'verified',
  'attributes', 'visitorIds', 'lastSeenAt', 'createdAt', 'updatedAt',
] as const;

/** A lead as the cells of one CSV record, in EXPORT_COLUMNS order. Tags cannot hold a comma, so ", " joins them safely. */
export function leadCells(lead: Lead): (string | null)[] {
  return [
    lead.id, lead.externalId, lead.fullname, lead.firstName, lead.lastName, lead.email, lead.phone,
    lead.tags.join(', '), String(lead.verified), JSON.stringify(lead.attributes), lead.visitorIds.join(' '),
    lead.lastSeenAt, lead.createdAt, lead.updatedAt,
  ];
}

/**
 * The CSV in chunks: the header with the first page, then one chunk per page, each page read
 * only when the response has taken the previous one. Pages follow the list's own cursor, so
 * the file holds exactly what paging through the list would show. No transaction spans the
 * pages (a slow client would hold a connection, and PGlite has only one): a lead created
 * meanwhile is newer than the cursor and left out, one erased meanwhile may be missing.
 */
async function* csvChunks(db: Db, projectId: string, filters: LeadFilters, first: Page<Lead>): AsyncGenerator<string> {
  let page = first;
  let chunk = csvLine(EXPORT_COLUMNS);
  for (;;) {
    yield chunk + page.data.map((lead) => csvLine(leadCells(lead))).join('');
    if (page.nextCursor === null) return;
    // A turn of the event loop per page: on PGlite a query resolves without any I/O to wait on.
    await nextTurn();
    page = await listLeads(db, projectId, { ...filters, limit: EXPORT_BATCH, cursor: page.nextCursor });
    chunk = '';
  }
}

/**
 * Streams the export into `res`. The first page is read before anything is sent, so a failure
 * there is an ordinary JSON error. Once the 200 and the first bytes are out, an error cannot
 * become a JSON answer any more: the response is destroyed instead, and the client sees a
 * cut-off transfer (no final chunk) rather than a file that looks complete.
 */
export async function streamLeadsCsv(res: Response, db: Db, projectId: string, filters: LeadFilters, logger: Logger): Promise<void> {
  const first = await listLeads(db, projectId, { ...filters, limit: EXPORT_BATCH });
  res.status(200).set({
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': 'attachment; filename="leads.csv"',
    'cache-control': 'no-store',
  });
  try {
    // highWaterMark 1: at most one page waits in the readable while the socket drains.
    await pipeline(Readable.from(csvChunks(db, projectId, filters, first), { highWaterMark: 1 }), res);
  } catch (err) {
    // pipeline has destroyed `res` already; a client that hung up is no fault of ours.
    const hungUp = (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (hungUp) logger.debug({ projectId }, 'lead export: the client left before the end');
    else logger.error({ err, projectId }, 'lead export failed after streaming began; response destroyed');
  }
}
