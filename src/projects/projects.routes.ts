/** Projects and their members: /v1/projects… */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { email, parseInput } from '../validation.js';
import { fullname, password } from '../auth/auth.routes.js';
import { findAgentWithPasswordByEmail, insertAgent } from '../auth/agent.store.js';
import { hashPassword } from '../auth/passwords.js';
import { agentIdOf, membershipOf, requireAgent, requireMember } from '../http/authenticate.js';
import { findProject, insertProject } from './project.store.js';
import { findMember, insertMember, listMembers, type MemberRecord } from './member.store.js';
import type { PresenceStore } from '../presence/presence-store.js';

const createProjectBody = z.object({ name: z.string().trim().min(1).max(200) });
const addAgentBody = z.object({ email, fullname, password, role: z.enum(['admin', 'agent']) });

async function withPresence(presence: PresenceStore, projectId: string, members: MemberRecord[]) {
  const statuses = await presence.statuses(projectId, members.map((m) => m.id));
  return members.map((m) => ({ ...m, presence: statuses.get(m.id) ?? 'offline' }));
}

export function projectRoutes(deps: Deps): Router {
  const router = Router();
  const knex = deps.db.knex;
  router.use(requireAgent(deps));

  router.post('/', async (req, res) => {
    const body = parseInput(createProjectBody, req.body);
    const project = await knex.transaction(async (trx) => {
      const created = await insertProject(trx, body);
      await insertMember(trx, { projectId: created.id, agentId: agentIdOf(res), role: 'owner' });
      return created;
    });
    res.status(201).json(project);
  });

  router.get('/:projectId', requireMember(deps), async (req, res) => {
    const { projectId, role } = membershipOf(res);
    const project = await findProject(knex, projectId, { withSecret: role === 'owner' || role === 'admin' });
    res.json(project);
  });

  router.get('/:projectId/agents', requireMember(deps), async (_req, res) => {
    const { projectId } = membershipOf(res);
    res.json({ data: await withPresence(deps.presence, projectId, await listMembers(knex, projectId)) });
  });

  /** Adds an agent: an existing account (by email) joins as it is; otherwise one is created. */
  router.post('/:projectId/agents', requireMember(deps, ['owner', 'admin']), async (req, res) => {
    const { projectId } = membershipOf(res);
    const body = parseInput(addAgentBody, req.body);
    const agentId = await knex.transaction(async (trx) => {
      const existing = await findAgentWithPasswordByEmail(trx, body.email);
      const agent = existing?.agent ?? (await insertAgent(trx, { email: body.email, fullname: body.fullname, passwordHash: await hashPassword(body.password) }));
      await insertMember(trx, { projectId, agentId: agent.id, role: body.role });
      return agent.id;
    });
    const member = await findMember(knex, projectId, agentId);
    if (!member) throw new AppError('INTERNAL', 'The member vanished.');
    const [withStatus] = await withPresence(deps.presence, projectId, [member]);
    res.status(201).json(withStatus);
  });

  return router;
}
