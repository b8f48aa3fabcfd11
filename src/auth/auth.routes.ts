/** POST /v1/auth/signup, /login, /anonymous. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { email } from '../validation.js';
import { DocumentedRouter } from '../http/documented-router.js';
import { AgentShape, ErrorShape } from '../http/shapes.js';
import { requestIp } from '../limits/client-ip.js';
import { openVisitorSession } from '../realtime/visitor-handshake.js';
import { findAgentWithPasswordByEmail } from './agent.store.js';
import { verifyPassword } from './passwords.js';
import { signUp } from './signup.js';

export const password = z.string().min(8, 'must be at least 8 characters').max(200);
export const fullname = z.string().trim().min(1).max(200);

/** The body of a sign-up; the admin CLI's create-agent validates with it too. */
export const signupBody = z.object({ email, password, fullname });
const loginBody = z.object({ email: z.string().trim().max(320), password: z.string().max(200) });
const anonymousBody = z.object({ projectId: z.string() });

const agentSession = z.object({ agent: AgentShape, token: z.string().describe('An agent token: send it as `Authorization: Bearer <token>`.') });
const invalid = { description: 'VALIDATION_FAILED: the body does not match the schema', schema: ErrorShape };
const rateLimitedDoc = (what: string) => ({
  description: `RATE_LIMITED: ${what}; \`details: { retryAfterMs, retryAfterSeconds }\` and the \`Retry-After\` header say when to retry`,
  schema: ErrorShape,
});

export function authRoutes(deps: Deps): DocumentedRouter {
  const api = new DocumentedRouter('/v1/auth', 'Auth', false);
  const knex = deps.db.knex;

  api.route(
    {
      method: 'post',
      path: '/signup',
      summary: 'Create an agent account',
      description:
        'Who may sign up is set by `SIGNUP`: `open` (anyone), `first` (the default: only while the server has no account yet), `closed` (nobody). ' +
        'Later accounts are added by an owner or admin (`POST /v1/projects/:projectId/agents`) or with `npm run admin -- create-agent`.',
      body: signupBody,
      responses: {
        201: { description: 'The new agent and its token', schema: agentSession },
        400: invalid,
        403: { description: 'FORBIDDEN: sign-up is closed (`SIGNUP=closed`, or `first` once an account exists); `details: { signup }` names the mode', schema: ErrorShape },
        409: { description: 'CONFLICT: the email is already registered (case-insensitive)', schema: ErrorShape },
      },
    },
    async (_req, res, { body }) => {
      const agent = await signUp(knex, deps.config.signup, body);
      res.status(201).json({ agent, token: await deps.tokens.signAgent(agent.id) });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/login',
      summary: 'Log in as an agent',
      body: loginBody,
      responses: {
        200: { description: 'The agent and a new token', schema: agentSession },
        400: invalid,
        401: { description: 'UNAUTHENTICATED: wrong email or password', schema: ErrorShape },
        429: rateLimitedDoc('RATE_LIMIT_LOGIN failed logins for this email or from this address in 15 minutes'),
      },
    },
    async (req, res, { body }) => {
      // Counted before the password is checked, so that parallel guesses count too; only a
      // wrong email or password keeps its point.
      const attempt = await deps.limits.beginLogin(body.email, requestIp(req, deps.config.trustProxy));
      let found: Awaited<ReturnType<typeof findAgentWithPasswordByEmail>>;
      let matches: boolean;
      try {
        found = await findAgentWithPasswordByEmail(knex, body.email);
        matches = await verifyPassword(found?.passwordHash ?? null, body.password);
      } catch (err) {
        await attempt.uncount();
        throw err;
      }
      if (!matches || !found) throw new AppError('UNAUTHENTICATED', 'Wrong email or password.');
      await attempt.uncount();
      res.json({ agent: found.agent, token: await deps.tokens.signAgent(found.agent.id) });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/anonymous',
      summary: 'A new anonymous visitor (the REST twin of the /visitor handshake)',
      body: anonymousBody,
      responses: {
        201: { description: 'The visitor id and its token', schema: z.object({ visitorId: z.uuid(), token: z.string() }) },
        400: invalid,
        404: { description: 'NOT_FOUND: no such project', schema: ErrorShape },
        429: rateLimitedDoc('RATE_LIMIT_HANDSHAKE new visitors from this address in the last minute (shared with the /visitor handshake)'),
      },
    },
    async (req, res, { body }) => {
      const session = await openVisitorSession(deps, body.projectId, undefined, requestIp(req, deps.config.trustProxy));
      res.status(201).json({ visitorId: session.visitorId, token: session.token });
    },
  );

  return api;
}
