/** Leads (contacts) for agents: list, read, create, upsert by externalId, edit, erase. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { parseInput } from '../validation.js';
import { isUniqueViolation } from '../db/errors.js';
import { membershipOf, pathId, readAsMember, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, ConversationShape, ErrorShape, LeadShape, listOf, pageOf } from '../http/shapes.js';
import type { Realtime } from '../realtime/socket-server.js';
import { listConversationsOfLead } from '../conversations/conversation.store.js';
import type { Db } from '../db/executor.js';
import { eraseLead } from './erase-lead.js';
import { leadEvent, writeOutbox } from '../integrations/outbox.js';
import { agentLeadFields, externalId, leadListQuery, toLeadChanges } from './lead-input.js';
import { listLeads } from './lead-search.js';
import { findLead, findLeadByExternalId, insertLead, updateLead, type Lead, type LeadChanges } from './lead.store.js';

export const LEADS_MOUNT = '/v1/projects/:projectId/leads';

const notFound = () => new AppError('NOT_FOUND', 'No such lead in this project.');
const conflict = { description: 'CONFLICT: the externalId is already used by another lead (`details.leadId`)', schema: ErrorShape };

/** Creates a lead; an externalId already used is CONFLICT naming the lead that has it. */
async function createLead(db: Db, projectId: string, changes: LeadChanges): Promise<Lead> {
  try {
    return await insertLeadWithEvent(db, projectId, changes);
  } catch (err) {
    if (isUniqueViolation(err, 'leads_project_external_id_unique') && changes.externalId) throw await externalIdTaken(db, projectId, changes.externalId);
    throw err;
  }
}

/** Inserts a lead and its `lead.created` webhook event in one transaction. */
function insertLeadWithEvent(db: Db, projectId: string, changes: LeadChanges): Promise<Lead> {
  return db.transaction(async (trx) => {
    const lead = await insertLead(trx, projectId, changes);
    await writeOutbox(trx, [leadEvent('lead.created', lead)]);
    return lead;
  });
}

async function externalIdTaken(db: Db, projectId: string, id: string): Promise<AppError> {
  const existing = await findLeadByExternalId(db, projectId, id);
  return new AppError('CONFLICT', 'That externalId is already used by another lead.', { leadId: existing?.id ?? null });
}

/** An agent's edit. A verified lead keeps the externalId its identity gave it. */
async function editLead(db: Db, projectId: string, leadId: string, changes: LeadChanges): Promise<Lead> {
  const current = await findLead(db, projectId, leadId);
  if (!current) throw notFound();
  if (current.verified && changes.externalId !== undefined && changes.externalId !== current.externalId) {
    throw new AppError('CONFLICT', 'A verified lead keeps the externalId of its signed identity.');
  }
  // An agent who changes the email takes it over from the identity: the visitor may edit it again
  // (until the next identified handshake sets the identity's email back).
  if (changes.email !== undefined && changes.email?.toLowerCase() !== current.email?.toLowerCase()) changes = { ...changes, emailFromIdentity: false };
  try {
    // The webhook event commits with the change (src/integrations/outbox.ts).
    const lead = await db.transaction(async (trx) => {
      const updated = await updateLead(trx, projectId, leadId, changes);
      if (updated) await writeOutbox(trx, [leadEvent('lead.updated', updated)]);
      return updated;
    });
    return lead ?? Promise.reject(notFound());
  } catch (err) {
    if (isUniqueViolation(err, 'leads_project_external_id_unique') && changes.externalId) throw await externalIdTaken(db, projectId, changes.externalId);
    throw err;
  }
}

export function leadRoutes(deps: Deps, realtime: Realtime): DocumentedRouter {
  const api = new DocumentedRouter(LEADS_MOUNT, 'Leads').use(requireAgent(deps), requireMember(deps));
  const knex = deps.db.knex;

  api.route(
    {
      method: 'get',
      scope: 'leads:read',
      path: '/',
      summary: 'List and search leads, newest first',
      query: leadListQuery,
      responses: { 200: { description: 'One page of leads', schema: pageOf(LeadShape) }, ...commonErrors },
      // A lookup that finds its lead is one round trip: the page's statement checks the membership.
      readProvesMembership: true,
    },
    async (req, res, { query }) => {
      const projectId = String(req.params.projectId);
      const page = await readAsMember(res, (memberAgentId) => listLeads(knex, projectId, { ...query, memberAgentId }), (found) => found.data.length > 0);
      res.json(page);
    },
  );

  api.route(
    {
      method: 'post',
      scope: 'leads:write',
      path: '/',
      summary: 'Create a lead (no visitor id yet)',
      body: agentLeadFields,
      responses: { 201: { description: 'The new lead', schema: LeadShape }, ...commonErrors, 409: conflict },
    },
    async (_req, res, { body }) => {
      const lead = await createLead(knex, membershipOf(res).projectId, toLeadChanges(body));
      res.status(201).json(lead);
    },
  );

  api.route(
    {
      method: 'put',
      scope: 'leads:write',
      path: '/by-external-id/:externalId',
      summary: 'Create or update the lead with this externalId',
      body: agentLeadFields.omit({ externalId: true }),
      responses: {
        200: { description: 'The lead, updated', schema: LeadShape },
        201: { description: 'The lead, created', schema: LeadShape },
        ...commonErrors,
      },
    },
    async (req, res, { body }) => {
      const { projectId } = membershipOf(res);
      // parseInput, as for bodies: a NUL (%00) in the path would otherwise reach PostgreSQL.
      const parsed = { data: parseInput(z.object({ externalId }), { externalId: req.params.externalId }).externalId };
      const changes = toLeadChanges(body);
      // Two upserts of one new externalId at once: the loser of the insert race updates instead.
      for (let attempt = 0; ; attempt++) {
        const existing = await findLeadByExternalId(knex, projectId, parsed.data);
        if (existing) {
          res.json(await editLead(knex, projectId, existing.id, changes));
          return;
        }
        try {
          // Awaited before res.status(): a failed insert must not leave 201 on the retry's answer.
          const created = await insertLeadWithEvent(knex, projectId, { ...changes, externalId: parsed.data });
          res.status(201).json(created);
          return;
        } catch (err) {
          if (!isUniqueViolation(err, 'leads_project_external_id_unique') || attempt > 0) throw err;
        }
      }
    },
  );

  api.route(
    {
      method: 'get',
      scope: 'leads:read',
      path: '/:leadId',
      summary: 'One lead, and whether a visitor of it is connected now',
      responses: { 200: { description: 'The lead plus `online`', schema: LeadShape.extend({ online: z.boolean() }) }, ...commonErrors },
    },
    async (req, res) => {
      const lead = await findLead(knex, membershipOf(res).projectId, pathId(req, 'leadId', 'lead'));
      if (!lead) throw notFound();
      res.json({ ...lead, online: await realtime.isLeadOnline(lead.id) });
    },
  );

  api.route(
    {
      method: 'patch',
      scope: 'leads:write',
      path: '/:leadId',
      summary: 'Edit a lead: fields, tags; attributes merge key by key and null removes a key',
      body: agentLeadFields,
      responses: { 200: { description: 'The lead', schema: LeadShape }, ...commonErrors, 409: conflict },
    },
    async (req, res, { body }) => {
      res.json(await editLead(knex, membershipOf(res).projectId, pathId(req, 'leadId', 'lead'), toLeadChanges(body)));
    },
  );

  api.route(
    {
      method: 'delete',
      scope: 'leads:write',
      path: '/:leadId',
      summary: 'Erase a lead with its conversations, messages, notes and visitor ids',
      description: "Its visitors' open sockets are disconnected and their tokens refused from then on.",
      responses: { 204: { description: 'Erased' }, ...commonErrors },
    },
    async (req, res) => {
      const leadId = pathId(req, 'leadId', 'lead');
      const { visitorIds } = await eraseLead(knex, membershipOf(res).projectId, leadId);
      realtime.notifier.leadErased(leadId, visitorIds);
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'get',
      scope: 'leads:read',
      path: '/:leadId/conversations',
      summary: "A lead's conversations, newest first",
      responses: { 200: { description: 'Every conversation of the lead', schema: listOf(ConversationShape) }, ...commonErrors },
    },
    async (req, res) => {
      const { projectId } = membershipOf(res);
      const lead = await findLead(knex, projectId, pathId(req, 'leadId', 'lead'));
      if (!lead) throw notFound();
      res.json({ data: await listConversationsOfLead(knex, projectId, lead.id) });
    },
  );

  return api;
}
