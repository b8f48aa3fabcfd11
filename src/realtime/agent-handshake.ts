/** /agent middleware: a valid agent token, a member of the project, from an allowed origin. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { findAgentById } from '../auth/agent.store.js';
import { findMembership } from '../projects/member.store.js';
import { projectExists } from '../projects/project.store.js';
import { isAllowedAgentOrigin } from '../http/origin.js';
import { handshakeError } from './handshake-error.js';
import type { AgentSocket } from './namespaces.js';

const handshakeAuth = z.object({ token: z.string(), projectId: z.string() });

export function authenticateAgent(deps: Deps) {
  return async (socket: AgentSocket, next: (err?: Error) => void) => {
    try {
      const { headers } = socket.handshake;
      if (!isAllowedAgentOrigin(headers.origin, headers.host, deps.config.corsOrigins)) {
        throw new AppError('FORBIDDEN', 'This origin may not connect to /agent.');
      }
      const parsed = handshakeAuth.safeParse(socket.handshake.auth ?? {});
      if (!parsed.success) throw new AppError('UNAUTHENTICATED', 'auth.token and auth.projectId are required.');
      const claims = await deps.tokens.verifyAgent(parsed.data.token);
      const knex = deps.db.knex;
      if (!(await findAgentById(knex, claims.agentId))) throw new AppError('UNAUTHENTICATED', 'This agent no longer exists.');
      const { projectId } = parsed.data;
      if (!(await projectExists(knex, projectId))) throw new AppError('NOT_FOUND', 'No such project.');
      if (!(await findMembership(knex, projectId, claims.agentId))) throw new AppError('FORBIDDEN', 'You are not a member of this project.');
      socket.data.projectId = projectId;
      socket.data.agentId = claims.agentId;
      socket.data.tokenExpiresAt = claims.expiresAt;
      next();
    } catch (err) {
      next(handshakeError(err, deps.logger.child({ socketId: socket.id }), '/agent'));
    }
  };
}
