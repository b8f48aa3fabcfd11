/** The Socket.IO server: both namespaces, the Redis streams adapter when REDIS_URL is set. */
import type http from 'node:http';
import { Server } from 'socket.io';
import { batchedStreamAdapter } from './batched-stream-adapter.js';
import type { Deps } from '../deps.js';
import { registerAgentNamespace } from './agent-namespace.js';
import { CommandDrain } from './drain.js';
import type { AgentNamespace, VisitorNamespace } from './namespaces.js';
import { Notifier } from './notifier.js';
import { leadPresence, type IsLeadOnline } from './lead-presence.js';
import { registerVisitorNamespace } from './visitor-namespace.js';
import { Router } from '../routing/router.js';
import { trackVisitorPresence } from '../presence/visitor-presence.js';

/** The Redis stream every process publishes its broadcasts to and reads the others' from. */
const STREAM_NAME = 'pingstreams:socket.io';

/** A packet over this closes its socket; the process lives on. */
export const MAX_PACKET_BYTES = 1_000_000;

/** What REST handlers may ask of the sockets: tell people, who is online, and routing. */
export interface Realtime {
  notifier: Notifier;
  isLeadOnline: IsLeadOnline;
  router: Router;
}

export function createSocketServer(httpServer: http.Server, deps: Deps): Realtime & { io: Server; drain: CommandDrain } {
  const io = new Server(httpServer, {
    maxHttpBufferSize: MAX_PACKET_BYTES,
    // The widget lives on customers' sites: any origin may open a transport. /agent checks
    // the Origin itself in its middleware.
    cors: { origin: true, credentials: false },
    serveClient: false,
    ...(deps.redis
      ? { adapter: batchedStreamAdapter(deps.redis.adapter, STREAM_NAME, deps.logger) }
      : {}),
  });
  const visitors = io.of('/visitor') as unknown as VisitorNamespace;
  const agents = io.of('/agent') as unknown as AgentNamespace;
  const notifier = new Notifier(visitors, agents);
  // Routing's heartbeat vouches for the agents whose sockets this process holds.
  const router = new Router(deps, notifier, () => [...agents.sockets.values()].map((socket) => socket.data));
  // First middleware of both namespaces: a server that is shutting down refuses before any work.
  const drain = new CommandDrain();
  drain.attach(io.of('/visitor'));
  drain.attach(io.of('/agent'));
  registerVisitorNamespace(visitors, deps, notifier, router);
  registerAgentNamespace(agents, deps, notifier, router);
  trackVisitorPresence(visitors, deps.visitorPresence, notifier, deps.db.knex, deps.logger);
  return { io, notifier, drain, router, isLeadOnline: leadPresence(visitors) };
}
