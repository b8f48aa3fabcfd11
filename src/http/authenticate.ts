/** REST guards: who is calling (an agent's Bearer token) and what they are in the project. */
import type { Request, RequestHandler, Response } from 'express';
import { validate as isUuid } from 'uuid';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { findAgentById } from '../auth/agent.store.js';
import { findAccess, type Membership, type Role } from '../projects/member.store.js';
import { projectExists } from '../projects/project.store.js';
import type { RouteAwareGuard } from './documented-router.js';
import { isAllowedAgentOrigin } from './origin.js';
import { findApiKeyByToken, type ApiKeyCaller } from '../integrations/api-key.store.js';
import { API_KEY_PREFIX } from '../integrations/scopes.js';

export interface AgentLocals {
  agentId: string;
  membership?: Membership;
}

/** The handlers requireMember made: requireAgent looks for one after it on each route. */
const memberGuards = new WeakSet<object>();

/**
 * The caller is an agent: a valid token whose agent still exists (a deleted account's tokens
 * are UNAUTHENTICATED, as on sockets). A browser page of a foreign origin is refused even with
 * a token (FORBIDDEN): the agent side answers its own origin and CORS_ORIGINS only (CSRF).
 *
 * On a route where requireMember follows (DocumentedRouter asks `onRoute` when it registers the
 * route), the agent's existence is left to requireMember's query (one round trip for agent,
 * project and membership instead of three); it checks it first, so the answer is the same
 * UNAUTHENTICATED (a guard between the two must not act on res.locals.agentId: it is not yet
 * known to exist). Nothing is cached: a deleted agent or a removed member is refused on the next
 * request, on every process.
 */
export function requireAgent(deps: Deps): RouteAwareGuard {
  const guard = (checkExistence: boolean): RequestHandler => async (req, res, next) => {
    if (!isAllowedAgentOrigin(req.get('origin'), req.get('host'), deps.config.corsOrigins)) {
      throw new AppError('FORBIDDEN', 'This origin may not call the agent API.');
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <agent token>.');
    if (match[1]!.startsWith(API_KEY_PREFIX)) {
      res.locals.apiKey = await apiKeyCaller(deps, req, res, match[1]!);
      next();
      return;
    }
    const { agentId } = await deps.tokens.verifyAgent(match[1]);
    if (checkExistence && !(await agentExists(deps, agentId))) throw agentGone();
    res.locals.agentId = agentId;
    next();
  };
  const alone = guard(true);
  const beforeMember = guard(false);
  return Object.assign(alone, { onRoute: (after: readonly RequestHandler[]) => (after.some((handler) => memberGuards.has(handler)) ? beforeMember : alone) });
}

const agentGone = () => new AppError('UNAUTHENTICATED', 'This agent no longer exists.');

/** Our tokens carry UUIDs; any other subject names no agent (and must not reach a uuid column). */
async function agentExists(deps: Deps, agentId: string): Promise<boolean> {
  return isUuid(agentId) && (await findAgentById(deps.db.knex, agentId)) !== null;
}

/**
 * An API key (integrations): its own project only (another project's routes are 404) and only
 * on routes whose declared scope (RouteSpec.scope, put in res.locals by DocumentedRouter) it has.
 * No cache: a revoked key is refused at once on every process.
 */
async function apiKeyCaller(deps: Deps, req: Request, res: Response, token: string): Promise<ApiKeyCaller> {
  const key = await findApiKeyByToken(deps.db.knex, token);
  if (!key) throw new AppError('UNAUTHENTICATED', 'This API key does not exist or was revoked.');
  if (req.params.projectId !== undefined && req.params.projectId !== key.projectId) throw new AppError('NOT_FOUND', 'No such project.');
  const scope = res.locals.routeScope as string | undefined;
  if (!scope) throw new AppError('FORBIDDEN', 'API keys cannot call this route.');
  if (!key.scopes.includes(scope)) throw new AppError('FORBIDDEN', `This API key lacks the ${scope} scope.`);
  return key;
}

export const apiKeyOf = (res: Response): ApiKeyCaller | undefined => res.locals.apiKey as ApiKeyCaller | undefined;

/**
 * Loads the caller's membership of :projectId. In this order: the agent no longer exists 401
 * (requireAgent left that check here), unknown project 404, not a member 403, wrong role 403.
 * For an agent that is one query (findAccess).
 *
 * On a route whose read proves the membership (RouteSpec.readProvesMembership: GET …/leads), an
 * agent's check is left to that read: the handler runs it through readAsMember, whose statement
 * returns rows only to a member, and the check runs only when it returned none (or failed, or the
 * input was refused), so that the answer is the same as above. A lookup that finds its lead is
 * then one round trip instead of two.
 */
export function requireMember(deps: Deps, roles?: readonly Role[]): RequestHandler {
  const guard: RequestHandler = async (req, res, next) => {
    const projectId = String(req.params.projectId);
    const key = apiKeyOf(res);
    if (key) {
      if (!(await projectExists(deps.db.knex, projectId))) throw new AppError('NOT_FOUND', 'No such project.');
      // The route's scope (checked in requireAgent) stands in for the role; there is no agent.
      res.locals.membership = { projectId: key.projectId, agentId: `api-key:${key.id}`, role: 'agent', maxConcurrent: null } satisfies Membership;
      next();
      return;
    }
    const agentId = res.locals.agentId as string;
    if (!isUuid(projectId)) {
      // No project has this id; the agent still comes first.
      if (!(await agentExists(deps, agentId))) throw agentGone();
      throw new AppError('NOT_FOUND', 'No such project.');
    }
    if (!isUuid(agentId)) throw agentGone();
    if (res.locals.readProvesMembership === true && !roles) {
      let settled: Promise<void> | undefined;
      const settle = () =>
        (settled ??= memberOf(deps, projectId, agentId).then((membership) => {
          res.locals.membership = membership;
        }));
      res.locals.unprovenMember = { agentId, settle } satisfies UnprovenMember;
      // A non-member whose query is also invalid hears 403, as on every other route, not 400.
      res.locals.beforeRefusingInput = settle;
      next();
      return;
    }
    res.locals.membership = await memberOf(deps, projectId, agentId, roles);
    next();
  };
  memberGuards.add(guard);
  return guard;
}

/** The caller's membership (one query), or the guard's answer: 401, 404, 403. Both ids are UUIDs. */
async function memberOf(deps: Deps, projectId: string, agentId: string, roles?: readonly Role[]): Promise<Membership> {
  const access = await findAccess(deps.db.knex, projectId, agentId);
  if (!access.agentExists) throw agentGone();
  if (!access.projectExists) throw new AppError('NOT_FOUND', 'No such project.');
  const membership = access.membership;
  if (!membership) throw new AppError('FORBIDDEN', 'You are not a member of this project.');
  if (roles && !roles.includes(membership.role)) throw new AppError('FORBIDDEN', `Only ${roles.join(' or ')} may do this.`);
  return membership;
}

/** An agent whose membership requireMember left to the route's read (readAsMember). */
interface UnprovenMember {
  agentId: string;
  /** Runs requireMember's check (once): resolves with res.locals.membership set, or throws its answer. */
  settle(): Promise<void>;
}

/**
 * Runs the route's read as requireMember's check: `read` gets the agent whose membership its
 * statement must require (rows only if it is a member of the project, e.g. an EXISTS on
 * project_members), or null when the caller is already known to be allowed (an API key, a
 * route without readProvesMembership). If the read returns nothing that `proves` the membership,
 * or fails, requireMember's check runs and its 401/404/403 comes first.
 */
export async function readAsMember<T>(res: Response, read: (memberAgentId: string | null) => Promise<T>, proves: (result: T) => boolean): Promise<T> {
  const unproven = res.locals.unprovenMember as UnprovenMember | undefined;
  if (!unproven) return read(null);
  let result: T;
  try {
    result = await read(unproven.agentId);
  } catch (err) {
    await unproven.settle();
    throw err;
  }
  if (!proves(result)) await unproven.settle();
  return result;
}

export const membershipOf = (res: Response): Membership => res.locals.membership as Membership;
export const agentIdOf = (res: Response): string => res.locals.agentId as string;

/** A path id that is not a UUID names no record: 404, not a database error. */
export function pathId(req: Request, name: string, what: string): string {
  const value = String(req.params[name]);
  if (!isUuid(value)) throw new AppError('NOT_FOUND', `No such ${what} in this project.`);
  return value;
}
