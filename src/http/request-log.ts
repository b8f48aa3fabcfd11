/**
 * Per-request observability: an id on the request (X-Request-Id) and on every log line about
 * it (`req.log`), one access line when it ends, and the HTTP metrics by route template.
 */
import { randomUUID } from 'node:crypto';
import type { Express, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { DocumentedRouter } from './documented-router.js';
import type { Metrics } from './metrics.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id: the caller's X-Request-Id when it is a sane token, else a new UUID. */
    id: string;
    /** The app's logger with `reqId`: log through it while handling this request. */
    log: Logger;
  }
}

/** Letters, digits and `._:-`, at most 64: anything else could forge or flood log lines. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The metrics label of a request that no documented route serves: never the raw URL (unbounded, and it holds ids). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Probes and scrapes every few seconds: their access lines go to debug, not info. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

type RouteMatcher = (method: string, path: string) => string;

/**
 * Maps a request to the template of the documented route that serves it, trying the routes in
 * the order Express matches them (case-insensitive, an optional trailing slash).
 */
function routeMatcher(routers: () => readonly DocumentedRouter[]): RouteMatcher {
  // Per method, in matching order: a request tries only the routes of its own method.
  let byMethod: Map<string, { pattern: RegExp; template: string }[]> | undefined;
  const build = () => {
    const map = new Map<string, { pattern: RegExp; template: string }[]>();
    for (const doc of routers().flatMap((router) => router.docs)) {
      const source = doc.fullPath.split(/(:[A-Za-z_$][\w$]*)/).map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      const method = doc.method.toUpperCase();
      if (!map.has(method)) map.set(method, []);
      map.get(method)!.push({ pattern: new RegExp(`^${source.join('')}/?$`, 'i'), template: doc.fullPath });
    }
    return map;
  };
  return (method, path) => {
    byMethod ??= build();
    const routes = byMethod.get(method === 'HEAD' ? 'GET' : method) ?? [];
    return routes.find((route) => route.pattern.test(path))?.template ?? UNMATCHED_ROUTE;
  };
}

/** Where a request keeps its logger once made (defineRequestLogger). */
const LOGGER = Symbol('request logger');

/**
 * `req.log` on the app's request prototype, once: the request's logger is made when first used
 * (most requests log nothing but their access line) and kept on the request. Not an accessor
 * defined on each request: with one, each request's objects survived young-generation collections
 * (≈ 8 KB promoted per request, scavenges of 13 ms instead of 1; docs/performance.md, tenth round).
 */
function defineRequestLogger(app: Express, logger: Logger): void {
  type WithLogger = Request & { [LOGGER]?: Logger };
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    enumerable: true,
    get(this: WithLogger) {
      return (this[LOGGER] ??= logger.child({ reqId: this.id }));
    },
    set(this: WithLogger, value: Logger) {
      this[LOGGER] = value;
    },
  });
}

/**
 * Must come first, so that every later middleware and handler can log through `req.log`.
 * The access line has the method, the path (never the query string: it may carry secrets),
 * the route template, the status and the duration; never headers or bodies.
 */
export function requestLog(app: Express, logger: Logger, metrics: Metrics, routers: () => readonly DocumentedRouter[]): RequestHandler {
  defineRequestLogger(app, logger);
  const routeOf = routeMatcher(routers);
  // The access line's keys are the ones below and reqId, none of them a redacted name
  // (src/logger.ts): passing it through the redaction found nothing to censor, and cost more
  // garbage than anything else in a lead lookup (≈ 21 KB of its ≈ 160 KB: a young-generation GC
  // every ≈ 77 lookups, each one of them in the p99; docs/performance.md, eighth round).
  const accessLog = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const started = performance.now();
    const incoming = req.get('x-request-id');
    const reqId = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = reqId;
    res.setHeader('X-Request-Id', req.id);
    // Read now: routers rewrite req.url while they handle the request.
    const path = req.path;
    res.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      // The documented route that answered said its template; only requests that none reached (404s,
      // bodies refused before routing) are matched here, against every route.
      const route = (res.locals.routeTemplate as string | undefined) ?? routeOf(req.method, path);
      metrics.httpRequest(req.method, route, res.statusCode, seconds);
      const line = {
        reqId,
        method: req.method,
        path,
        route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 10_000) / 10,
        // The client left before the whole answer was sent.
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (QUIET_ROUTES.has(route)) accessLog.debug(line, 'request');
      else accessLog.info(line, 'request');
    });
    next();
  };
}
