/** Leads as CSV: GET …/leads/export and POST …/leads/import. Mounted before leads.routes.ts (its /:leadId would take "export"). */
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { membershipOf, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, ErrorShape } from '../http/shapes.js';
import { leadFilters } from './lead-input.js';
import { EXPORT_COLUMNS, streamLeadsCsv } from './lead-export.js';
import { importLeadsCsv } from './lead-import.js';
import { LEADS_MOUNT } from './leads.routes.js';

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

const ImportReportShape = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  failed: z.number().int(),
  rows: z.array(
    z.object({
      row: z.number().int().describe('The row as a spreadsheet numbers it: the header is row 1.'),
      status: z.enum(['created', 'updated', 'failed']),
      leadId: z.uuid().optional(),
      error: z.string().optional(),
    }),
  ),
});

/** The CSV body of this route only (the app's express.json leaves text/csv alone); too big is PAYLOAD_TOO_LARGE. */
function csvBody(): RequestHandler {
  const parseText = express.text({ type: ['text/csv', 'application/csv', 'text/plain'], limit: MAX_IMPORT_BYTES });
  return (req, res, next) => {
    parseText(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') next(new AppError('PAYLOAD_TOO_LARGE', 'The CSV is over 10 MB.'));
      else next(err);
    });
  };
}

export function leadCsvRoutes(deps: Deps): DocumentedRouter {
  const api = new DocumentedRouter(LEADS_MOUNT, 'Leads').use(requireAgent(deps), requireMember(deps));
  const knex = deps.db.knex;

  api.route(
    {
      method: 'get',
      scope: 'leads:read',
      path: '/export',
      summary: 'Export the leads the list would show, newest first, as CSV',
      description:
        `Streamed. Columns: ${EXPORT_COLUMNS.join(', ')}; tags joined with ", ", visitorIds with " ", attributes as one JSON object. ` +
        "RFC 4180 quoting, CRLF line ends. A cell starting with =, +, -, @, tab or CR (or quotes followed by one) is prefixed with '. " +
        'An error after the first bytes cuts the transfer off (no JSON error can follow a 200).',
      query: leadFilters,
      responses: { 200: { description: 'The CSV file (attachment leads.csv)', contentType: 'text/csv' }, ...commonErrors },
    },
    async (req, res, { query }) => {
      await streamLeadsCsv(res, knex, membershipOf(res).projectId, query, req.log);
    },
  );

  api.route(
    {
      method: 'post',
      scope: 'leads:write',
      path: '/import',
      summary: 'Create and update leads from a CSV file, with a report per row',
      description:
        'Header row required; known columns (case-insensitive): id, fullname, firstName, lastName, email, phone, externalId, tags (comma-separated), ' +
        'attributes (a JSON object, merged); verified, visitorIds, lastSeenAt, createdAt, updatedAt are read-only and ignored; any other column sets ' +
        'the attribute of its name (a string). Each row goes to the lead its `id` names in this project, else the lead with its externalId ' +
        '(created if none), else the only lead with its email (case-insensitive), else a new lead. An empty cell changes nothing. ' +
        'The whole file is checked first; failed rows are reported and skipped, the others written in one transaction. ' +
        "A cell that is one or more ' followed by =, +, -, @, tab or CR loses one '. Rows of empty cells are skipped.",
      body: { contentType: 'text/csv', description: `CSV, UTF-8, at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB` },
      responses: {
        200: { description: 'What happened to each row', schema: ImportReportShape },
        ...commonErrors,
        400: { description: 'VALIDATION_FAILED: not CSV, empty, or a header naming none of the known columns; nothing was written', schema: ErrorShape },
        413: { description: 'PAYLOAD_TOO_LARGE: over 10 MB', schema: ErrorShape },
      },
    },
    csvBody(),
    async (req, res) => {
      res.json(await importLeadsCsv(knex, req.log, membershipOf(res).projectId, req.body));
    },
  );

  return api;
}
