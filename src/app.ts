/** createApp(deps): the HTTP server with REST and Socket.IO on it. It never listens; main.ts and tests do. */
import http from 'node:http';
import express from 'express';
import helmet from 'helmet';
import type { Server } from 'socket.io';
import type { Deps } from './deps.js';
import { authRoutes } from './auth/auth.routes.js';
import { projectRoutes } from './projects/projects.routes.js';
import { projectSettingsRoutes } from './projects/project-settings.routes.js';
import { leadRoutes } from './contacts/leads.routes.js';
import { leadCsvRoutes } from './contacts/lead-csv.routes.js';
import { noteRoutes } from './contacts/notes.routes.js';
import { mergeRoutes } from './contacts/merge.routes.js';
import type { DocumentedRouter } from './http/documented-router.js';
import { conversationRoutes } from './conversations/conversations.routes.js';
import { healthRoutes } from './http/health.routes.js';
import { metricsRoutes } from './http/metrics.routes.js';
import { requestLog } from './http/request-log.js';
import { observeSockets } from './realtime/observe-sockets.js';
import { openApiRoutes } from './http/openapi.js';
import { cors } from './http/cors.js';
import { webRoutes } from './http/web.routes.js';
import { widgetConfigRoutes } from './projects/widget-config.routes.js';
import { errorHandler, notFound } from './http/errors.js';
import { appHttpObjects, type AppHttpObjects } from './http/app-http-objects.js';
import { createSocketServer } from './realtime/socket-server.js';
import type { Notifier } from './realtime/notifier.js';
import { apiKeyRoutes } from './integrations/api-keys.routes.js';
import { webhookRoutes } from './integrations/webhooks.routes.js';
import { DeliveryWorker } from './integrations/delivery-worker.js';

/** How long a shutdown waits for the commands in flight to answer (main.ts gives up at 10 s). */
const DRAIN_TIMEOUT_MS = 4_000;

export interface App {
  server: http.Server;
  io: Server;
  notifier: Notifier;
  /** Stops accepting work, lets the commands in flight answer, says goodbye in presence, disconnects sockets. Deps stay open. */
  close(): Promise<void>;
}

/**
 * `httpObjects`: the classes of the server that receives the requests, when it is not this app's
 * own `server` (main.ts's BootServer hands its requests over); the app adopts them.
 */
export function createApp(deps: Deps, httpObjects: AppHttpObjects = appHttpObjects()): App {
  const web = express();
  httpObjects.adoptBy(web);
  const server = http.createServer(httpObjects.serverOptions, web);
  const { io, notifier, drain, isLeadOnline, router } = createSocketServer(server, deps);
  observeSockets([io.of('/visitor'), io.of('/agent')], deps.logger, deps.metrics);
  const realtime = { notifier, isLeadOnline, router };

  web.disable('x-powered-by');
  // One trusted proxy: req.ip is the address it appended, as the rate limits read it (src/limits/client-ip.ts).
  web.set('trust proxy', deps.config.trustProxy ? 1 : false);
  // First: every later middleware logs with the request id, and every answer is counted.
  web.use(requestLog(web, deps.logger, deps.metrics, () => apis));
  web.use(helmet());
  web.use(cors(deps.config.corsOrigins));
  web.use(express.json({ limit: '64kb' }));
  // Every REST route, in matching order: routers with literal paths (duplicates, export…)
  // come before the one with /:leadId. GET /openapi.json documents exactly this list. The /v1
  // routers come first: a router mounted at the root (health, metrics, the OpenAPI document,
  // the pages) is entered by every request that reaches it, and entering one cost each API
  // request ≈ 2 KB of garbage (docs/performance.md, eighth round).
  const apis: DocumentedRouter[] = [
    authRoutes(deps),
    widgetConfigRoutes(deps),
    mergeRoutes(deps, realtime),
    leadCsvRoutes(deps),
    leadRoutes(deps, realtime),
    noteRoutes(deps),
    projectSettingsRoutes(deps, realtime),
    conversationRoutes(deps),
    projectRoutes(deps, realtime),
    apiKeyRoutes(deps),
    webhookRoutes(deps),
    healthRoutes(deps),
    metricsRoutes(deps),
    openApiRoutes(() => apis, { title: 'Pingstreams REST API', version: '1.1.0' }),
  ];
  for (const api of apis) web.use(api.mount, api.router);
  // The pages (widget.js, /console, /demo): not REST, so not in the documented list above.
  web.use(webRoutes());
  web.use(notFound);
  web.use(errorHandler(deps.logger));

  deps.presence.start((projectId, agentId, status) => {
    notifier.presenceChanged(projectId, agentId, status);
    router.presenceChanged(projectId, agentId, status);
  });
  router.start();
  // Webhooks: one delivery worker per process (src/integrations/delivery-worker.ts).
  const webhookWorker = new DeliveryWorker({ knex: deps.db.knex, logger: deps.logger, metrics: deps.metrics, webhooks: deps.config.webhooks, embedded: deps.db.kind !== 'postgres' });
  webhookWorker.start();

  return {
    server,
    io,
    notifier,
    async close() {
      // In this order: stop taking connections and commands (those answer UNAVAILABLE); let the
      // commands in flight finish, so that every stored message is also acked; say goodbye in
      // presence while the adapter can still tell the other processes; then close the sockets.
      await drain.close(DRAIN_TIMEOUT_MS);
      await deps.messages.flush();
      // Only now: this server never listens (BootServer hands it the connections), so close()
      // emits 'close' at once, and engine.io closes every socket on it, acks still unsent.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Routing decisions under way finish; no new ones start (the other processes take over).
      await router.stop();
      await webhookWorker.stop();
      await deps.presence.stop();
      await deps.visitorPresence.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // REST requests still running get a moment to answer; then their connections are cut.
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      server.closeAllConnections();
    },
  };
}
