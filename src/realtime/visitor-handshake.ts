/** /visitor middleware: mint an anonymous visitor, resume one from its token, or identify it with a signed identity. */
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { projectExists } from '../projects/project.store.js';
import { findVisitor } from '../contacts/visitor.store.js';
import { touchLead } from '../contacts/lead.store.js';
import { identityOfLead, verifyIdentity } from '../contacts/identity.js';
import { identifyVisitor } from '../contacts/visitor-leads.js';
import { clientIp } from '../limits/client-ip.js';
import type { SessionPayload } from './events.js';
import { handshakeError } from './handshake-error.js';
import type { VisitorSocket } from './namespaces.js';
import type { Notifier } from './notifier.js';

/**
 * Sessions of visitors minted by this handshake. Nobody else knows such a visitor before its
 * session is sent, so it cannot have gained a lead meanwhile: its socket need not look again.
 */
const minted = new WeakSet<SessionPayload>();

/** Whether this session's visitor was created by its own handshake (see joinLeadOfNow). */
export const isMintedSession = (session: SessionPayload): boolean => minted.has(session);

/**
 * A new anonymous visitor: counted per client IP (RATE_LIMIT_HANDSHAKE), refused past it. The
 * INSERT (group-committed with the other handshakes in flight) checks the project itself; only
 * when the limit is on is the project looked for first, so that an unknown one is NOT_FOUND and
 * not counted, rather than RATE_LIMITED.
 */
async function mintVisitor(deps: Deps, projectId: string, ip: string, projectChecked: boolean): Promise<SessionPayload> {
  const lookFirst = !projectChecked && deps.config.rateLimits.handshake > 0;
  if (lookFirst && !(await projectExists(deps.db.knex, projectId))) throw new AppError('NOT_FOUND', 'No such project.');
  await deps.limits.mintVisitor(ip);
  const visitor = await deps.visitorMinter.mint(projectId);
  if (!visitor) throw new AppError('NOT_FOUND', 'No such project.');
  const session = { visitorId: visitor.id, token: await deps.tokens.signVisitor(visitor.id, projectId), leadId: null };
  minted.add(session);
  return session;
}

/**
 * The anonymous session: a token (new, or refreshed so it keeps living) and its lead so far.
 * A verified lead is reached only with a valid identity for it: a token whose visitor belongs
 * to one gets a fresh anonymous visitor instead.
 */
export async function openVisitorSession(deps: Deps, projectId: string, token: string | undefined, ip: string): Promise<SessionPayload> {
  const knex = deps.db.knex;
  if (token === undefined) return mintVisitor(deps, projectId, ip, false);
  if (!(await projectExists(knex, projectId))) throw new AppError('NOT_FOUND', 'No such project.');
  const claims = await deps.tokens.verifyVisitor(token);
  if (claims.projectId !== projectId) throw new AppError('UNAUTHENTICATED', 'This token belongs to another project.');
  const visitor = await findVisitor(knex, projectId, claims.visitorId);
  // A visitor whose lead was deleted is gone: its token stops working.
  if (!visitor) throw new AppError('UNAUTHENTICATED', 'This visitor no longer exists.');
  if (visitor.leadId && (await identityOfLead(knex, projectId, visitor.leadId))?.verified) return mintVisitor(deps, projectId, ip, true);
  if (visitor.leadId) await touchLead(knex, projectId, visitor.leadId);
  return { visitorId: visitor.id, token: await deps.tokens.signVisitor(visitor.id, projectId), leadId: visitor.leadId };
}

/** The visitor a token names, if it is valid for this project and still exists; otherwise null. */
async function visitorOfToken(deps: Deps, projectId: string, token: string | undefined): Promise<string | null> {
  if (token === undefined) return null;
  try {
    const claims = await deps.tokens.verifyVisitor(token);
    if (claims.projectId !== projectId) return null;
    return (await findVisitor(deps.db.knex, projectId, claims.visitorId))?.id ?? null;
  } catch (err) {
    if (err instanceof AppError && err.code === 'UNAUTHENTICATED') return null;
    throw err;
  }
}

/**
 * The identified session: the signed identity decides the lead; the token only says which
 * browser this is. A token that does not verify is no reason to refuse a valid identity:
 * the browser gets a fresh visitor id. Whoever else should know hears it after the commit.
 */
async function openIdentifiedSession(deps: Deps, notifier: Notifier, projectId: string, token: string | undefined, identity: unknown): Promise<SessionPayload> {
  const claims = await verifyIdentity(deps.db.knex, projectId, identity);
  const identified = await identifyVisitor(deps.db.knex, projectId, await visitorOfToken(deps, projectId, token), claims);
  const { visitorId, leadId, mergedLeadId, attachedVisitorId } = identified;
  if (mergedLeadId) notifier.leadMerged(projectId, leadId, mergedLeadId);
  if (attachedVisitorId) notifier.visitorJoinedLead(attachedVisitorId, leadId);
  return { visitorId, token: await deps.tokens.signVisitor(visitorId, projectId), leadId };
}

const clientIpOf = (socket: VisitorSocket, deps: Deps) =>
  clientIp(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], deps.config.trustProxy);

export function authenticateVisitor(deps: Deps, notifier: Notifier) {
  return async (socket: VisitorSocket, next: (err?: Error) => void) => {
    try {
      const { projectId, token, identity } = (socket.handshake.auth ?? {}) as { projectId?: unknown; token?: unknown; identity?: unknown };
      if (typeof projectId !== 'string') throw new AppError('NOT_FOUND', 'auth.projectId is required.');
      if (token !== undefined && typeof token !== 'string') throw new AppError('UNAUTHENTICATED', 'auth.token must be the token of a session.');
      // null, like undefined, means "nobody signed in": widgets pass what their page has.
      const session =
        identity === undefined || identity === null
          ? await openVisitorSession(deps, projectId, token, clientIpOf(socket, deps))
          : await openIdentifiedSession(deps, notifier, projectId, token, identity);
      socket.data.projectId = projectId;
      socket.data.visitorId = session.visitorId;
      socket.data.session = session;
      next();
    } catch (err) {
      next(handshakeError(err, deps.logger.child({ socketId: socket.id }), '/visitor'));
    }
  };
}
