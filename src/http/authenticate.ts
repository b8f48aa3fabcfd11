/** REST guards: who is calling (an agent's Bearer token) and what they are in the project. */
import type { Request, RequestHandler, Response } from 'express';
import { validate as isUuid } from 'uuid';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { findMembership, type Membership, type Role } from '../projects/member.store.js';
import { projectExists } from '../projects/project.store.js';

export interface AgentLocals {
  agentId: string;
  membership?: Membership;
}

export function requireAgent(deps: Deps): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <agent token>.');
    const { agentId } = await deps.tokens.verifyAgent(match[1]);
    res.locals.agentId = agentId;
    next();
  };
}

/** Loads the caller's membership of :projectId: unknown project 404, not a member 403, wrong role 403. */
export function requireMember(deps: Deps, roles?: readonly Role[]): RequestHandler {
  return async (req, res, next) => {
    const projectId = String(req.params.projectId);
    if (!(await projectExists(deps.db.knex, projectId))) throw new AppError('NOT_FOUND', 'No such project.');
    const membership = await findMembership(deps.db.knex, projectId, res.locals.agentId as string);
    if (!membership) throw new AppError('FORBIDDEN', 'You are not a member of this project.');
    if (roles && !roles.includes(membership.role)) throw new AppError('FORBIDDEN', `Only ${roles.join(' or ')} may do this.`);
    res.locals.membership = membership;
    next();
  };
}

export const membershipOf = (res: Response): Membership => res.locals.membership as Membership;
export const agentIdOf = (res: Response): string => res.locals.agentId as string;

/** A path id that is not a UUID names no record: 404, not a database error. */
export function pathId(req: Request, name: string, what: string): string {
  const value = String(req.params[name]);
  if (!isUuid(value)) throw new AppError('NOT_FOUND', `No such ${what} in this project.`);
  return value;
}
