/** /v1/projects/:projectId/api-keys: owners and admins create (the key is shown once), list and revoke keys. */
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { membershipOf, pathId, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, listOf } from '../http/shapes.js';
import { createApiKey, deleteApiKey, listApiKeys } from './api-key.store.js';
import { ApiKeyShape, newApiKey } from './shapes.js';

export function apiKeyRoutes(deps: Deps): DocumentedRouter {
  // No scope on these routes: a key never manages keys.
  const api = new DocumentedRouter('/v1/projects/:projectId/api-keys', 'Integrations').use(requireAgent(deps), requireMember(deps, ['owner', 'admin']));
  const knex = deps.db.knex;

  api.route(
    {
      method: 'post',
      path: '/',
      summary: 'Create an API key; the key itself is in this answer only',
      access: 'owners and admins',
      body: newApiKey,
      responses: { 201: { description: 'The key, with `key` (psk_…)', schema: ApiKeyShape.extend({ key: ApiKeyShape.shape.name }) }, ...commonErrors },
    },
    async (_req, res, { body }) => {
      res.status(201).json(await createApiKey(knex, membershipOf(res).projectId, body));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/',
      summary: "The project's API keys, newest first (never the keys themselves)",
      access: 'owners and admins',
      responses: { 200: { description: 'Every key', schema: listOf(ApiKeyShape) }, ...commonErrors },
    },
    async (_req, res) => {
      res.json({ data: await listApiKeys(knex, membershipOf(res).projectId) });
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/:keyId',
      summary: 'Revoke an API key: refused from the next request on, by every process',
      access: 'owners and admins',
      responses: { 204: { description: 'Revoked' }, ...commonErrors },
    },
    async (req, res) => {
      if (!(await deleteApiKey(knex, membershipOf(res).projectId, pathId(req, 'keyId', 'API key')))) throw new AppError('NOT_FOUND', 'No such API key in this project.');
      res.status(204).end();
    },
  );

  return api;
}
