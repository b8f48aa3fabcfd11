/** Conversations and their messages for agents: /v1/projects/:projectId/conversations… */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { INT4_MAX, uuid } from '../validation.js';
import { membershipOf, pathId, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, ConversationShape, listOf, MessageShape, pageOf } from '../http/shapes.js';
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
  afterSeq: z.coerce.number().int().min(0).max(INT4_MAX).optional().describe('the first `limit` messages after this seq'),
  beforeSeq: z.coerce.number().int().min(0).max(INT4_MAX).optional().describe('the last `limit` messages before this seq'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
});

const { 400: _noQuery, ...withoutValidation } = commonErrors;

export function conversationRoutes(deps: Deps): DocumentedRouter {
  const api = new DocumentedRouter('/v1/projects/:projectId/conversations', 'Conversations').use(requireAgent(deps), requireMember(deps));
  const knex = deps.db.knex;
  const agentOf = (projectId: string, agentId: string) => ({ type: 'agent' as const, projectId, agentId });

  api.route(
    {
      method: 'get',
      scope: 'conversations:read',
      path: '/',
      summary: "The project's conversations, newest first",
      query: listQuery,
      responses: { 200: { description: 'One page of conversations', schema: pageOf(ConversationShape) }, ...commonErrors },
    },
    async (_req, res, { query }) => {
      res.json(await listConversations(knex, membershipOf(res).projectId, query));
    },
  );

  api.route(
    {
      method: 'get',
      scope: 'conversations:read',
      path: '/:conversationId',
      summary: 'One conversation',
      responses: { 200: { description: 'The conversation', schema: ConversationShape }, ...withoutValidation },
    },
    async (req, res) => {
      const { projectId, agentId } = membershipOf(res);
      res.json(await conversationFor(knex, agentOf(projectId, agentId), pathId(req, 'conversationId', 'conversation')));
    },
  );

  api.route(
    {
      method: 'get',
      scope: 'conversations:read',
      path: '/:conversationId/messages',
      summary: "A conversation's messages by ascending seq (as the sockets' `message:list`)",
      description: `After \`afterSeq\` the first \`limit\`; before \`beforeSeq\` the last \`limit\`; with neither the latest \`limit\` (at most ${MAX_PAGE}). Agents' private notes are included, with \`private: true\`.`,
      query: messagesQuery,
      responses: { 200: { description: 'The messages', schema: listOf(MessageShape) }, ...commonErrors },
    },
    async (req, res, { query }) => {
      const { projectId, agentId } = membershipOf(res);
      const conversation = await conversationFor(knex, agentOf(projectId, agentId), pathId(req, 'conversationId', 'conversation'));
      res.json({ data: await listMessages(knex, conversation, query, 'agent') });
    },
  );

  return api;
}
