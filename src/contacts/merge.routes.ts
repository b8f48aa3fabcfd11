/** Merging contacts and finding the ones worth merging: duplicates, the merge preview, the merge. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { membershipOf, pathId, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, ConversationShape, ErrorShape, LeadShape, NoteShape } from '../http/shapes.js';
import type { Realtime } from '../realtime/socket-server.js';
import { uuid } from '../validation.js';
import { listDuplicates } from './lead-duplicates.js';
import { mergeLeads, previewMerge } from './lead-merge.js';
import { LEADS_MOUNT } from './leads.routes.js';

const duplicatesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(1000).optional(),
});

const sourceLead = z.object({ sourceLeadId: uuid.describe('The lead that goes away; the target keeps its id.') });

const DuplicatesShape = z.object({
  data: z.array(z.object({ email: z.string().describe('The shared address, lower-cased.'), leads: z.array(LeadShape).describe('Newest first.') })),
  nextCursor: z.string().nullable(),
});

const MergePreviewShape = z.object({
  lead: LeadShape.describe('The target as it would be after the merge.'),
  conversations: z.array(ConversationShape).describe("The source's conversations, which would move."),
  visitorIds: z.array(z.uuid()).describe("The source's visitor ids, which would move."),
  notes: z.array(NoteShape).describe("The source's notes, which would move."),
});

const conflict = {
  description: 'CONFLICT: merging a lead into itself, or two leads with different externalIds (two identified people)',
  schema: ErrorShape,
};

export function mergeRoutes(deps: Deps, realtime: Realtime): DocumentedRouter {
  const api = new DocumentedRouter(LEADS_MOUNT, 'Leads').use(requireAgent(deps), requireMember(deps));
  const knex = deps.db.knex;

  api.route(
    {
      method: 'get',
      scope: 'leads:read',
      path: '/duplicates',
      summary: 'Leads that share an email (case-insensitive), largest groups first',
      query: duplicatesQuery,
      responses: { 200: { description: 'One page of groups', schema: DuplicatesShape }, ...commonErrors },
    },
    async (_req, res, { query }) => {
      res.json(await listDuplicates(knex, membershipOf(res).projectId, query));
    },
  );

  api.route(
    {
      method: 'get',
      scope: 'leads:read',
      path: '/:targetId/merge',
      summary: 'Preview a merge: the target as it would be, and what would move from the source',
      description: 'Writes nothing.',
      query: sourceLead,
      responses: { 200: { description: 'The preview', schema: MergePreviewShape }, ...commonErrors, 409: conflict },
    },
    async (req, res, { query }) => {
      const { projectId } = membershipOf(res);
      res.json(await previewMerge(knex, projectId, pathId(req, 'targetId', 'lead'), query.sourceLeadId));
    },
  );

  api.route(
    {
      method: 'post',
      scope: 'leads:write',
      path: '/:targetId/merge',
      summary: "Merge the source lead into the target: conversations, visitor ids and notes move; empty fields are filled; the source is deleted",
      description: "In one transaction. The open sockets of both leads get `lead:merged`; the source's visitors continue on the target.",
      body: sourceLead,
      responses: { 200: { description: 'The merged lead', schema: LeadShape }, ...commonErrors, 409: conflict },
    },
    async (req, res, { body }) => {
      const { projectId } = membershipOf(res);
      const targetId = pathId(req, 'targetId', 'lead');
      const merged = await knex.transaction((trx) => mergeLeads(trx, projectId, targetId, body.sourceLeadId));
      // Only after the commit: a socket moved to the target's room must find the target there.
      realtime.notifier.leadMerged(projectId, targetId, merged.sourceLeadId);
      res.json(merged.lead);
    },
  );

  return api;
}
