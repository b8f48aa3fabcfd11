/**
 * REST routes that document themselves: each route is declared once with the zod schemas that
 * validate its query and body, and GET /openapi.json is generated from those declarations.
 * A route cannot be served without being documented, nor documented with other schemas than
 * the ones that check it.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import { parseInput } from '../validation.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseDoc {
  description: string;
  /** JSON body schema; omit for an empty body (204) or a non-JSON one (see `contentType`). */
  schema?: z.ZodType;
  /** Defaults to application/json when `schema` is given. */
  contentType?: string;
}

/** A request body that is not JSON (CSV): documented as text of this media type. */
export interface RawBodyDoc {
  contentType: string;
  description: string;
}

export interface RouteSpec<Q extends z.ZodType | undefined, B extends z.ZodType | RawBodyDoc | undefined> {
  method: HttpMethod;
  /** Express path relative to the router's mount, e.g. `/:leadId/notes`. */
  path: string;
  summary: string;
  /** The document's name for the operation; by default made from the method and the path. */
  operationId?: string;
  description?: string;
  /** Who may call it, in words (roles), for the document. */
  access?: string;
  /**
   * The API key scope (src/integrations/scopes.ts) that lets a key call this route; without
   * one, API keys are refused (403). Checked by requireAgent.
   */
  scope?: string;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseDoc>;
  /**
   * requireMember leaves an agent's check to the handler's read, which must run through
   * readAsMember with a statement that returns rows only to a member of :projectId
   * (src/http/authenticate.ts): a handler that answers otherwise answers unchecked.
   */
  readProvesMembership?: boolean;
}

export interface RouteDoc extends RouteSpec<z.ZodType | undefined, z.ZodType | RawBodyDoc | undefined> {
  /** The full Express path, e.g. `/v1/projects/:projectId/leads/:leadId/notes`. */
  fullPath: string;
  tag: string;
  /** Whether it takes an agent's Bearer token. */
  authenticated: boolean;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<Q, B> {
  query: Parsed<Q>;
  body: B extends z.ZodType ? z.output<B> : unknown;
}

export type RouteHandler<Q, B> = (req: Request, res: Response, input: RouteInput<Q, B>) => Promise<void> | void;

/**
 * A guard that takes another form on a route depending on the guards after it there, decided
 * once when the route is registered (requireAgent leaves the agent's existence to a requireMember
 * that follows: see src/http/authenticate.ts).
 */
export interface RouteAwareGuard extends RequestHandler {
  onRoute(after: readonly RequestHandler[]): RequestHandler;
}

const isRouteAware = (guard: RequestHandler): guard is RouteAwareGuard => typeof (guard as Partial<RouteAwareGuard>).onRoute === 'function';

/** The route's guards in order, each route-aware one in the form it takes before the others. */
const onRoute = (guards: readonly RequestHandler[]) => guards.map((guard, at) => (isRouteAware(guard) ? guard.onRoute(guards.slice(at + 1)) : guard));

const isZod = (value: unknown): value is z.ZodType => typeof (value as { safeParse?: unknown } | undefined)?.safeParse === 'function';

export class DocumentedRouter {
  readonly router = Router({ mergeParams: true });
  readonly docs: RouteDoc[] = [];
  private readonly guards: RequestHandler[] = [];

  /**
   * @param mount where app.ts mounts `router`, in Express syntax (`/v1/projects/:projectId/leads`)
   * @param tag the document's group for these routes
   * @param authenticated whether these routes take an agent's Bearer token @default true
   */
  constructor(
    readonly mount: string,
    readonly tag: string,
    readonly authenticated = true,
  ) {}

  /**
   * Guards (auth) for every route registered after this call. They run per route, not for the
   * whole mount, so several routers may share one mount path without checking a token twice.
   */
  use(...handlers: RequestHandler[]): this {
    this.guards.push(...handlers);
    return this;
  }

  /**
   * Serves and documents one route. `guards` run first (role checks); then the query and a
   * JSON body are parsed with the spec's schemas (VALIDATION_FAILED on a mismatch) and handed
   * to `handler`. A raw (non-JSON) body is left for the handler to read.
   */
  route<Q extends z.ZodType | undefined = undefined, B extends z.ZodType | RawBodyDoc | undefined = undefined>(
    spec: RouteSpec<Q, B>,
    ...rest: [...guards: RequestHandler[], handler: RouteHandler<Q, B>]
  ): this {
    const handler = rest.pop() as RouteHandler<Q, B>;
    const guards = rest as RequestHandler[];
    const fullPath = (this.mount + (spec.path === '/' ? '' : spec.path)) || '/';
    this.docs.push({ ...spec, fullPath, tag: this.tag, authenticated: this.authenticated });
    const declareRoute: RequestHandler = (_req, res, next) => {
      res.locals.routeScope = spec.scope;
      res.locals.readProvesMembership = spec.readProvesMembership === true;
      // For the access line and the metrics (request-log.ts).
      res.locals.routeTemplate = fullPath;
      next();
    };
    this.router[spec.method](spec.path, declareRoute, ...onRoute([...this.guards, ...guards]), async (req: Request, res: Response) => {
      let input: RouteInput<Q, B>;
      try {
        input = {
          query: (spec.query ? parseInput(spec.query, req.query) : undefined) as Parsed<Q>,
          body: (isZod(spec.body) ? parseInput(spec.body, req.body) : req.body) as RouteInput<Q, B>['body'],
        };
      } catch (err) {
        // A guard that left part of its check for later (requireMember) answers first.
        await (res.locals.beforeRefusingInput as (() => Promise<void>) | undefined)?.();
        throw err;
      }
      await handler(req, res, input);
    });
    return this;
  }
}
