/** A project's settings, for its owners and admins: PATCH the project, its members' role and capacity, and the identity secret. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { membershipOf, pathId, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, ErrorShape, MemberShape, ProjectShape } from '../http/shapes.js';
import type { Realtime } from '../realtime/socket-server.js';
import { changeMember } from './change-member.js';
import { findMember } from './member.store.js';
import { rotateIdentitySecret, updateProject } from './project.store.js';
import { prechatFields } from './prechat-fields.js';

export const projectSettingsBody = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  routing: z.enum(['auto', 'pooled']).optional(),
  // An int4 column: a bound keeps absurd values a 400, not a database error.
  defaultMaxConcurrent: z.number().int().min(0).max(100_000).optional(),
  // The widget's custom pre-chat fields; the list given replaces the previous one.
  prechatFields: prechatFields.optional(),
});

/** The most conversations one agent may be given at once; 0 means no limit, null the project's default. */
export const MAX_CONCURRENT_LIMIT = 1000;

export const memberSettingsBody = z.object({
  role: z.enum(['owner', 'admin', 'agent']).optional(),
  maxConcurrent: z.number().int().min(0).max(MAX_CONCURRENT_LIMIT).nullable().optional(),
});

const IdentitySecretShape = z.object({
  identitySecret: z.string().describe('Signs visitor identities (HS256). The previous secret stops working at once.'),
});

const { 401: unauthenticated, 403: forbidden, 404: notFound } = commonErrors;
const OWNERS_AND_ADMINS = ['owner', 'admin'] as const;
const noProject = () => new AppError('NOT_FOUND', 'No such project.');

export function projectSettingsRoutes(deps: Deps, realtime: Pick<Realtime, 'router'>): DocumentedRouter {
  const api = new DocumentedRouter('/v1/projects', 'Projects').use(requireAgent(deps));
  const knex = deps.db.knex;

  api.route(
    {
      method: 'patch',
      path: '/:projectId',
      summary: "Change a project's name, routing, default concurrency or pre-chat fields",
      description: 'Fields left out stay as they are; an empty body changes nothing.',
      access: 'owners and admins',
      body: projectSettingsBody,
      responses: { 200: { description: 'The project, with its identity secret', schema: ProjectShape }, ...commonErrors },
    },
    requireMember(deps, OWNERS_AND_ADMINS),
    async (_req, res, { body }) => {
      const project = await updateProject(knex, membershipOf(res).projectId, body);
      if (!project) throw noProject();
      // Auto routing turned on, or more room for everyone: waiting conversations may go now.
      if (body.routing !== undefined || body.defaultMaxConcurrent !== undefined) void realtime.router.route(project.id, [], { fromHead: body.routing === 'auto' });
      res.json(project);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/:projectId/agents/:agentId',
      summary: "Change a member's role or how many conversations it may be given at once",
      description:
        'Owners may give any role to anyone; admins may make admins and agents of members who are not owners (FORBIDDEN otherwise). ' +
        `The last owner cannot be demoted (CONFLICT). \`maxConcurrent\`: null for the project's default, 0 for no limit, else 1–${MAX_CONCURRENT_LIMIT}; ` +
        'more room takes waiting conversations at once; less never takes any away.',
      access: 'owners and admins',
      body: memberSettingsBody,
      responses: {
        200: { description: 'The member', schema: MemberShape },
        ...commonErrors,
        409: { description: 'CONFLICT: the last owner cannot be demoted', schema: ErrorShape },
      },
    },
    requireMember(deps, OWNERS_AND_ADMINS),
    async (req, res, { body }) => {
      const caller = membershipOf(res);
      const agentId = pathId(req, 'agentId', 'agent');
      await changeMember(knex, caller, agentId, body);
      const member = await findMember(knex, caller.projectId, agentId);
      if (!member) throw new AppError('NOT_FOUND', 'No such agent in this project.');
      if (body.maxConcurrent !== undefined) void realtime.router.route(caller.projectId);
      const statuses = await deps.presence.statuses(caller.projectId, [agentId]);
      res.json({ ...member, presence: statuses.get(agentId) ?? 'offline' });
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
