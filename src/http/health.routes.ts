/** Liveness and readiness for load balancers and supervisors. */
import { Router } from 'express';
import type { Deps } from '../deps.js';

export function healthRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
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
  });
  return router;
}
