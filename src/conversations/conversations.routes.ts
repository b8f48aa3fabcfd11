/** Conversations and their messages for agents: /v1/projects/:projectId/conversations… */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { parseInput, uuid } from '../validation.js';
import { membershipOf, pathId, requireAgent, requireMember } from '../http/authenticate.js';
import { conversationFor } from './access.js';
import { listConversations } from './conversation.store.js';
import { listMessages, MAX_PAGE } from './message.store.js';

const listQuery = z.object({
  status: z.enum(['unassigned', 'assigned', 'closed']).optional(),
  leadId: uuid.optional(),
  assigneeId: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional(),
});

const messagesQuery = z.object({
  afterSeq: z.coerce.number().int().min(0).optional(),
  beforeSeq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
});

export function conversationRoutes(deps: Deps): Router {
  const router = Router({ mergeParams: true });
  const knex = deps.db.knex;
  router.use(requireAgent(deps), requireMember(deps));
  const agentOf = (projectId: string, agentId: string) => ({ type: 'agent' as const, projectId, agentId });

  router.get('/', async (req, res) => {
    const query = parseInput(listQuery, req.query);
    res.json(await listConversations(knex, membershipOf(res).projectId, query));
  });

  router.get('/:conversationId', async (req, res) => {
    const { projectId, agentId } = membershipOf(res);
    res.json(await conversationFor(knex, agentOf(projectId, agentId), pathId(req, 'conversationId', 'conversation')));
  });

  router.get('/:conversationId/messages', async (req, res) => {
    const { projectId, agentId } = membershipOf(res);
    const query = parseInput(messagesQuery, req.query);
    const conversation = await conversationFor(knex, agentOf(projectId, agentId), pathId(req, 'conversationId', 'conversation'));
    res.json({ data: await listMessages(knex, conversation, query) });
  });

  return router;
}
