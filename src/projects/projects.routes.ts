/** Projects and their members: /v1/projects… */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { email } from '../validation.js';
import { fullname, password } from '../auth/auth.routes.js';
import { findAgentWithPasswordByEmail, insertAgent } from '../auth/agent.store.js';
import { hashPassword } from '../auth/passwords.js';
import { agentIdOf, membershipOf, pathId, requireAgent, requireMember } from '../http/authenticate.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { commonErrors, ErrorShape, listOf, MemberShape, ProjectShape } from '../http/shapes.js';
import { findProject, insertProject, listProjectsOf } from './project.store.js';
import { findMember, insertMember, listMembers, type MemberRecord } from './member.store.js';
import type { PresenceStore } from '../presence/presence-store.js';
import type { Realtime } from '../realtime/socket-server.js';
import { removeMember } from './remove-member.js';

export const createProjectBody = z.object({ name: z.string().trim().min(1).max(200) });
const addAgentBody = z.object({ email, fullname, password, role: z.enum(['admin', 'agent']) });

const { 400: invalid, 401: unauthenticated, 403: forbidden, 404: notFound } = commonErrors;

async function withPresence(presence: PresenceStore, projectId: string, members: MemberRecord[]) {
  const statuses = await presence.statuses(projectId, members.map((m) => m.id));
  return members.map((m) => ({ ...m, presence: statuses.get(m.id) ?? 'offline' }));
}

export function projectRoutes(deps: Deps, realtime: Realtime): DocumentedRouter {
  const api = new DocumentedRouter('/v1/projects', 'Projects').use(requireAgent(deps));
  const knex = deps.db.knex;

  api.route(
    {
      method: 'post',
      path: '/',
      summary: 'Create a project; the caller becomes its owner',
      body: createProjectBody,
      responses: { 201: { description: 'The new project', schema: ProjectShape }, 400: invalid, 401: unauthenticated },
    },
    async (_req, res, { body }) => {
      const project = await knex.transaction(async (trx) => {
        const created = await insertProject(trx, body);
        await insertMember(trx, { projectId: created.id, agentId: agentIdOf(res), role: 'owner' });
        return created;
      });
      res.status(201).json(project);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/',
      summary: "The caller's projects, with its role in each (no identity secrets)",
      responses: { 200: { description: 'Every project the caller is a member of', schema: listOf(ProjectShape.extend({ role: z.enum(['owner', 'admin', 'agent']) })) }, 401: unauthenticated },
    },
    async (_req, res) => {
      res.json({ data: await listProjectsOf(knex, agentIdOf(res)) });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:projectId',
      summary: 'A project',
      description: 'Owners and admins also see its `identitySecret`.',
      responses: { 200: { description: 'The project', schema: ProjectShape }, 401: unauthenticated, 403: forbidden, 404: notFound },
    },
    requireMember(deps),
    async (_req, res) => {
      const { projectId, role } = membershipOf(res);
      res.json(await findProject(knex, projectId, { withSecret: role === 'owner' || role === 'admin' }));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:projectId/agents',
      summary: "The project's members, with their presence",
      responses: { 200: { description: 'Every member', schema: listOf(MemberShape) }, 401: unauthenticated, 403: forbidden, 404: notFound },
    },
    requireMember(deps),
    async (_req, res) => {
      const { projectId } = membershipOf(res);
      res.json({ data: await withPresence(deps.presence, projectId, await listMembers(knex, projectId)) });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:projectId/agents',
      summary: 'Add an agent: an existing account (by email) joins as it is; otherwise one is created',
      access: 'owners and admins',
      body: addAgentBody,
      responses: {
        201: { description: 'The new member', schema: MemberShape },
        ...commonErrors,
        409: { description: 'CONFLICT: already a member of this project', schema: ErrorShape },
      },
    },
    requireMember(deps, ['owner', 'admin']),
    async (_req, res, { body }) => {
      const { projectId } = membershipOf(res);
      const agentId = await knex.transaction(async (trx) => {
        const existing = await findAgentWithPasswordByEmail(trx, body.email);
        const agent = existing?.agent ?? (await insertAgent(trx, { email: body.email, fullname: body.fullname, passwordHash: await hashPassword(body.password) }));
        await insertMember(trx, { projectId, agentId: agent.id, role: body.role });
        return agent.id;
      });
      const member = await findMember(knex, projectId, agentId);
      if (!member) throw new AppError('INTERNAL', 'The member vanished.');
      // A member this instant has no socket in the project yet: offline, without asking Redis,
      // so that an outage cannot fail (503) an addition that is already committed.
      res.status(201).json({ ...member, presence: 'offline' });
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/:projectId/agents/:agentId',
      summary: 'Remove a member from the project (the account stays)',
      description:
        "Its open `/agent` sockets of this project are disconnected at once, on every process, and later handshakes are `FORBIDDEN`. " +
        'It leaves every conversation of the project: the open ones assigned to it go back to the queue (`unassigned`, and routing may give them to someone else), ' +
        'closed ones lose their assignee (each change is sent as `conversation:updated`). ' +
        'Owners may remove anyone, themselves included; admins may remove admins and agents, not owners.',
      access: 'owners and admins',
      responses: {
        204: { description: 'Removed' },
        401: unauthenticated,
        403: { description: 'FORBIDDEN: not an owner or admin, or an admin removing an owner', schema: ErrorShape },
        404: { description: 'NOT_FOUND: no such project, or that agent is not a member of it', schema: ErrorShape },
        409: { description: 'CONFLICT: the last owner of a project cannot be removed', schema: ErrorShape },
      },
    },
    requireMember(deps, ['owner', 'admin']),
    async (req, res) => {
      const membership = membershipOf(res);
      const agentId = pathId(req, 'agentId', 'agent');
      const { changed } = await removeMember(knex, membership, agentId);
      // Its sockets close first, so the removed agent hears nothing more of this project.
      realtime.notifier.memberRemoved(membership.projectId, agentId);
      for (const conversation of changed) realtime.notifier.conversationUpdated(conversation);
      const requeued = changed.filter((c) => c.status === 'unassigned');
      if (requeued.length > 0) void realtime.router.route(membership.projectId, requeued);
      res.status(204).end();
    },
  );

  return api;
}
