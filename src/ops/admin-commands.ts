/**
 * What the admin CLI can do, as plain functions over a knex executor, validated with the API's
 * own schemas. The CLI runs them on the database directly, or — embedded database held by a
 * running server — hands them to that server over its admin socket (admin-socket.ts).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { email } from '../validation.js';
import { password, signupBody } from '../auth/auth.routes.js';
import { findAgentWithPasswordByEmail, insertAgent, setAgentPassword } from '../auth/agent.store.js';
import { hashPassword } from '../auth/passwords.js';
import { createProjectBody } from '../projects/projects.routes.js';
import { insertProject, rotateIdentitySecret } from '../projects/project.store.js';
import { insertMember } from '../projects/member.store.js';
import { listAllProjects, type ProjectSummary } from './project-list.js';
import { projectExists } from '../projects/project.store.js';
import { createApiKey } from '../integrations/api-key.store.js';
import { newApiKey } from '../integrations/shapes.js';

export interface AdminCommand<S extends z.ZodType = z.ZodType, R = unknown> {
  summary: string;
  /** Flags, as `--name <value>`; `--password` also takes `--password-stdin` or a prompt. */
  flags: string[];
  input: S;
  run(knex: Knex, input: z.output<S>): Promise<R>;
  /** One or a few lines for a person; `--json` prints the result itself. */
  describe(result: R): string;
}

const command = <S extends z.ZodType, R>(definition: AdminCommand<S, R>) => definition as unknown as AdminCommand;

async function agentByEmail(knex: Knex | Knex.Transaction, address: string) {
  const found = await findAgentWithPasswordByEmail(knex, address);
  if (!found) throw new AppError('NOT_FOUND', `No agent has the email ${address} (create one with: npm run admin -- create-agent).`);
  return found.agent;
}

export const ADMIN_COMMANDS: Record<string, AdminCommand> = {
  'create-agent': command({
    summary: 'Create an agent account (whatever SIGNUP says)',
    flags: ['email', 'fullname', 'password'],
    input: signupBody,
    async run(knex, input) {
      const passwordHash = await hashPassword(input.password);
      return { agent: await insertAgent(knex, { email: input.email, fullname: input.fullname, passwordHash }) };
    },
    describe: ({ agent }) => `Created agent ${agent.email} (${agent.id}). It can log in now; add it to a project with create-project or POST …/agents.`,
  }),

  'reset-password': command({
    summary: "Set an agent's password",
    flags: ['email', 'password'],
    input: z.object({ email, password }),
    async run(knex, input) {
      const agent = await agentByEmail(knex, input.email);
      await setAgentPassword(knex, agent.id, await hashPassword(input.password));
      return { agent };
    },
    describe: ({ agent }) => `New password set for ${agent.email}. Tokens issued before stay valid until they expire (AGENT_TOKEN_TTL).`,
  }),

  'create-project': command({
    summary: 'Create a project owned by an existing agent',
    flags: ['name', 'owner'],
    input: createProjectBody.extend({ owner: email }),
    run: (knex, input) =>
      knex.transaction(async (trx) => {
        const owner = await agentByEmail(trx, input.owner);
        const project = await insertProject(trx, { name: input.name });
        await insertMember(trx, { projectId: project.id, agentId: owner.id, role: 'owner' });
        return { project, owner };
      }),
    describe: ({ project, owner }) => `Created project "${project.name}" (${project.id}), owned by ${owner.email}.`,
  }),

  'list-projects': command({
    summary: 'Every project, with its owners and member count',
    flags: [],
    input: z.object({}),
    run: async (knex) => ({ projects: await listAllProjects(knex) }),
    describe: ({ projects }: { projects: ProjectSummary[] }) =>
      projects.length === 0
        ? 'No projects yet (create one with: npm run admin -- create-project --name … --owner …).'
        : projects.map((p) => `${p.id}  ${p.name}  owners: ${p.owners.join(', ') || '-'}  members: ${p.members}`).join('\n'),
  }),

  'rotate-identity-secret': command({
    summary: "Give a project a new identity secret (the old one stops verifying visitors' identities at once)",
    flags: ['project'],
    input: z.object({ project: z.uuid({ message: 'must be a project id (a UUID)' }) }),
    async run(knex, input) {
      const identitySecret = await rotateIdentitySecret(knex, input.project);
      if (identitySecret === null) throw new AppError('NOT_FOUND', `No project has the id ${input.project}.`);
      return { projectId: input.project, identitySecret };
    },
    describe: ({ projectId, identitySecret }) => `New identity secret of ${projectId}:\n${identitySecret}`,
  }),

  // Integrations (src/integrations): the same key POST …/api-keys creates, shown once.
  'create-api-key': command({
    summary: 'Create an API key for a project (--scopes leads:read,leads:write,…); the key is printed once',
    flags: ['project', 'name', 'scopes'],
    input: z.object({
      project: z.uuid({ message: 'must be a project id (a UUID)' }),
      name: newApiKey.shape.name,
      scopes: z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)).pipe(newApiKey.shape.scopes),
    }),
    async run(knex, input) {
      if (!(await projectExists(knex, input.project))) throw new AppError('NOT_FOUND', `No project has the id ${input.project}.`);
      return { apiKey: await createApiKey(knex, input.project, { name: input.name, scopes: input.scopes }) };
    },
    describe: ({ apiKey }) => `Created API key "${apiKey.name}" (${apiKey.id}) with ${apiKey.scopes.join(', ')}. Keep it now, it is not shown again:\n${apiKey.key}`,
  }),
};
