/** GET /metrics: Prometheus text exposition; behind a Bearer token when METRICS_TOKEN is set. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { DocumentedRouter } from './documented-router.js';
import { ErrorShape } from './shapes.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function requireMetricsToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <METRICS_TOKEN>.');
    }
    next();
  };
}

export function metricsRoutes(deps: Deps): DocumentedRouter {
  const api = new DocumentedRouter('', 'Health', false);
  const guards = deps.config.metricsToken ? [requireMetricsToken(deps.config.metricsToken)] : [];

  api.route(
    {
      method: 'get',
      path: '/metrics',
      summary: 'Metrics of this process in the Prometheus text format',
      description:
        'Open by default. When the server runs with METRICS_TOKEN set, it takes `Authorization: Bearer <METRICS_TOKEN>` ' +
        '(not an agent token) and answers 401 without it. Each process reports its own numbers: scrape every process.',
      responses: {
        200: { description: 'Prometheus text exposition format 0.0.4', contentType: 'text/plain' },
        401: { description: 'UNAUTHENTICATED: METRICS_TOKEN is set and this request does not carry it', schema: ErrorShape },
      },
    },
    ...guards,
    async (_req, res) => {
      const text = await deps.metrics.scrape();
      res.setHeader('Content-Type', deps.metrics.contentType);
      res.send(text);
    },
  );

  return api;
}
