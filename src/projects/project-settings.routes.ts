/** A project's settings, for its owners and admins: PATCH /v1/projects/:projectId and the identity secret. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { membershipOf, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, ProjectShape } from '../http/shapes.js';
import { rotateIdentitySecret, updateProject } from './project.store.js';

export const projectSettingsBody = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  routing: z.enum(['auto', 'pooled']).optional(),
  // An int4 column: a bound keeps absurd values a 400, not a database error.
  defaultMaxConcurrent: z.number().int().min(0).max(100_000).optional(),
});

const IdentitySecretShape = z.object({
  identitySecret: z.string().describe('Signs visitor identities (HS256). The previous secret stops working at once.'),
});

const { 401: unauthenticated, 403: forbidden, 404: notFound } = commonErrors;
const OWNERS_AND_ADMINS = ['owner', 'admin'] as const;
const noProject = () => new AppError('NOT_FOUND', 'No such project.');

export function projectSettingsRoutes(deps: Deps): DocumentedRouter {
  const api = new DocumentedRouter('/v1/projects', 'Projects').use(requireAgent(deps));
  const knex = deps.db.knex;

  api.route(
    {
      method: 'patch',
      path: '/:projectId',
      summary: "Change a project's name, routing or default concurrency",
      description: 'Fields left out stay as they are; an empty body changes nothing.',
      access: 'owners and admins',
      body: projectSettingsBody,
      responses: { 200: { description: 'The project, with its identity secret', schema: ProjectShape }, ...commonErrors },
    },
    requireMember(deps, OWNERS_AND_ADMINS),
    async (_req, res, { body }) => {
      const project = await updateProject(knex, membershipOf(res).projectId, body);
      if (!project) throw noProject();
      res.json(project);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:projectId/identity-secret',
      summary: 'Rotate the identity secret',
      description: 'Identities signed with the previous secret are refused (UNAUTHENTICATED) from now on, on every process.',
      access: 'owners and admins',
      responses: { 201: { description: 'The new secret', schema: IdentitySecretShape }, 401: unauthenticated, 403: forbidden, 404: notFound },
    },
    requireMember(deps, OWNERS_AND_ADMINS),
    async (_req, res) => {
      const identitySecret = await rotateIdentitySecret(knex, membershipOf(res).projectId);
      if (!identitySecret) throw noProject();
      res.status(201).json({ identitySecret });
    },
  );

  return api;
}
