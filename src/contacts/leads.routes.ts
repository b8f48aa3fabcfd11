/** Leads (contacts) for agents: /v1/projects/:projectId/leads… */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { parseInput } from '../validation.js';
import { membershipOf, pathId, requireAgent, requireMember } from '../http/authenticate.js';
import { listConversationsOfLead } from '../conversations/conversation.store.js';
import { findLead, listLeads } from './lead.store.js';
import type { IsLeadOnline } from '../realtime/lead-presence.js';

const listQuery = z.object({
  email: z.string().max(320).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional(),
});

export function leadRoutes(deps: Deps, isLeadOnline: IsLeadOnline): Router {
  const router = Router({ mergeParams: true });
  const knex = deps.db.knex;
  router.use(requireAgent(deps), requireMember(deps));

  router.get('/', async (req, res) => {
    const query = parseInput(listQuery, req.query);
    res.json(await listLeads(knex, membershipOf(res).projectId, query));
  });

  router.get('/:leadId', async (req, res) => {
    const lead = await findLead(knex, membershipOf(res).projectId, pathId(req, 'leadId', 'lead'));
    if (!lead) throw new AppError('NOT_FOUND', 'No such lead in this project.');
    res.json({ ...lead, online: await isLeadOnline(lead.id) });
  });

  router.get('/:leadId/conversations', async (req, res) => {
    const { projectId } = membershipOf(res);
    const lead = await findLead(knex, projectId, pathId(req, 'leadId', 'lead'));
    if (!lead) throw new AppError('NOT_FOUND', 'No such lead in this project.');
    res.json({ data: await listConversationsOfLead(knex, projectId, lead.id) });
  });

  return router;
}
