/** POST /v1/auth/signup, /login, /anonymous. */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { email, parseInput } from '../validation.js';
import { openVisitorSession } from '../realtime/visitor-handshake.js';
import { findAgentWithPasswordByEmail, insertAgent } from './agent.store.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const password = z.string().min(8, 'must be at least 8 characters').max(200);
export const fullname = z.string().trim().min(1).max(200);

const signupBody = z.object({ email, password, fullname });
const loginBody = z.object({ email: z.string().trim().max(320), password: z.string().max(200) });
const anonymousBody = z.object({ projectId: z.string() });

export function authRoutes(deps: Deps): Router {
  const router = Router();
  const knex = deps.db.knex;

  router.post('/signup', async (req, res) => {
    const body = parseInput(signupBody, req.body);
    const agent = await insertAgent(knex, { email: body.email, fullname: body.fullname, passwordHash: await hashPassword(body.password) });
    res.status(201).json({ agent, token: await deps.tokens.signAgent(agent.id) });
  });

  router.post('/login', async (req, res) => {
    const body = parseInput(loginBody, req.body);
    const found = await findAgentWithPasswordByEmail(knex, body.email);
    if (!(await verifyPassword(found?.passwordHash ?? null, body.password)) || !found) {
      throw new AppError('UNAUTHENTICATED', 'Wrong email or password.');
    }
    res.json({ agent: found.agent, token: await deps.tokens.signAgent(found.agent.id) });
  });

  router.post('/anonymous', async (req, res) => {
    const body = parseInput(anonymousBody, req.body);
    const session = await openVisitorSession(deps, body.projectId, undefined);
    res.status(201).json({ visitorId: session.visitorId, token: session.token });
  });

  return router;
}
