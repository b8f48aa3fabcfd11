/** /visitor middleware: mint an anonymous visitor, or resume one from its token. */
import { v4 as uuidv4 } from 'uuid';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { projectExists } from '../projects/project.store.js';
import { findVisitor, insertVisitor } from '../contacts/visitor.store.js';
import { touchLead } from '../contacts/lead.store.js';
import type { SessionPayload } from './events.js';
import { handshakeError } from './handshake-error.js';
import type { VisitorSocket } from './namespaces.js';

/** The visitor's session: a token (new, or refreshed so it keeps living) and its lead so far. */
export async function openVisitorSession(deps: Deps, projectId: string, token: string | undefined): Promise<SessionPayload> {
  const knex = deps.db.knex;
  if (!(await projectExists(knex, projectId))) throw new AppError('NOT_FOUND', 'No such project.');
  if (token === undefined) {
    const visitor = await insertVisitor(knex, { id: uuidv4(), projectId });
    return { visitorId: visitor.id, token: await deps.tokens.signVisitor(visitor.id, projectId), leadId: null };
  }
  const claims = await deps.tokens.verifyVisitor(token);
  if (claims.projectId !== projectId) throw new AppError('UNAUTHENTICATED', 'This token belongs to another project.');
  const visitor = await findVisitor(knex, projectId, claims.visitorId);
  // A visitor whose lead was deleted is gone: its token stops working.
  if (!visitor) throw new AppError('UNAUTHENTICATED', 'This visitor no longer exists.');
  if (visitor.leadId) await touchLead(knex, projectId, visitor.leadId);
  return { visitorId: visitor.id, token: await deps.tokens.signVisitor(visitor.id, projectId), leadId: visitor.leadId };
}

export function authenticateVisitor(deps: Deps) {
  return async (socket: VisitorSocket, next: (err?: Error) => void) => {
    try {
      const { projectId, token } = (socket.handshake.auth ?? {}) as { projectId?: unknown; token?: unknown };
      if (typeof projectId !== 'string') throw new AppError('NOT_FOUND', 'auth.projectId is required.');
      if (token !== undefined && typeof token !== 'string') throw new AppError('UNAUTHENTICATED', 'auth.token must be the token of a session.');
      const session = await openVisitorSession(deps, projectId, token);
      socket.data.projectId = projectId;
      socket.data.visitorId = session.visitorId;
      socket.data.session = session;
      next();
    } catch (err) {
      next(handshakeError(err, deps.logger, '/visitor'));
    }
  };
}
