/** createApp(deps): the HTTP server with REST and Socket.IO on it. It never listens; main.ts and tests do. */
import http from 'node:http';
import express from 'express';
import helmet from 'helmet';
import type { Server } from 'socket.io';
import type { Deps } from './deps.js';
import { authRoutes } from './auth/auth.routes.js';
import { projectRoutes } from './projects/projects.routes.js';
import { leadRoutes } from './contacts/leads.routes.js';
import { noteRoutes } from './contacts/notes.routes.js';
import type { DocumentedRouter } from './http/documented-router.js';
import { conversationRoutes } from './conversations/conversations.routes.js';
import { healthRoutes } from './http/health.routes.js';
import { cors } from './http/cors.js';
import { errorHandler, notFound } from './http/errors.js';
import { createSocketServer } from './realtime/socket-server.js';
import type { Notifier } from './realtime/notifier.js';

export interface App {
  server: http.Server;
  io: Server;
  notifier: Notifier;
  /** Stops accepting work, disconnects sockets and says goodbye in presence. Deps stay open. */
  close(): Promise<void>;
}

export function createApp(deps: Deps): App {
  const web = express();
  const server = http.createServer(web);
  const { io, notifier, isLeadOnline } = createSocketServer(server, deps);
  const realtime = { notifier, isLeadOnline };

  web.disable('x-powered-by');
  web.set('trust proxy', deps.config.trustProxy);
  web.use(helmet());
  web.use(cors(deps.config.corsOrigins));
  web.use(express.json({ limit: '64kb' }));
  web.use(healthRoutes(deps));
  web.use('/v1/auth', authRoutes(deps));
  // The documented REST API, in matching order: routers with literal paths (duplicates,
  // export…) come before the one with /:leadId.
  const apis: DocumentedRouter[] = [
    leadRoutes(deps, realtime),
    noteRoutes(deps),
  ];
  for (const api of apis) web.use(api.mount, api.router);
  web.use('/v1/projects/:projectId/conversations', conversationRoutes(deps));
  web.use('/v1/projects', projectRoutes(deps));
  web.use(notFound);
  web.use(errorHandler(deps.logger));

  deps.presence.start((projectId, agentId, status) => notifier.presenceChanged(projectId, agentId, status));

  return {
    server,
    io,
    notifier,
    async close() {
      await deps.presence.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await deps.messages.flush();
    },
  };
}
