/** Liveness and readiness for load balancers and supervisors. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { DocumentedRouter } from './documented-router.js';

const check = z.enum(['ok', 'down']);
const readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ database: check, redis: check.optional().describe('only when REDIS_URL is set') }),
});

export function healthRoutes(deps: Deps): DocumentedRouter {
  const api = new DocumentedRouter('', 'Health', false);

  api.route(
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: 200 while the process runs',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    },
    (_req, res) => {
      res.json({ status: 'ok' });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database (and Redis, if configured) answer',
      responses: {
        200: { description: 'Every dependency answers', schema: readiness },
        503: { description: 'A dependency does not answer; `checks` says which', schema: readiness },
      },
    },
    async (_req, res) => {
      const checks: Record<string, 'ok' | 'down'> = {};
      checks.database = await deps.db.knex
        .raw('select 1')
        .then(() => 'ok' as const)
        .catch(() => 'down' as const);
      if (deps.redis) {
        checks.redis = await deps.redis.commands
          .ping()
          .then(() => 'ok' as const)
          .catch(() => 'down' as const);
      }
      const ready = Object.values(checks).every((c) => c === 'ok');
      res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks });
    },
  );

  return api;
}
