/** The Socket.IO server: both namespaces, the Redis streams adapter when REDIS_URL is set. */
import type http from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Deps } from '../deps.js';
import { registerAgentNamespace } from './agent-namespace.js';
import type { AgentNamespace, VisitorNamespace } from './namespaces.js';
import { Notifier } from './notifier.js';
import { leadPresence, type IsLeadOnline } from './lead-presence.js';
import { registerVisitorNamespace } from './visitor-namespace.js';

/** A packet over this closes its socket; the process lives on. */
export const MAX_PACKET_BYTES = 1_000_000;

/** What REST handlers may ask of the sockets: tell people, and who is online. */
export interface Realtime {
  notifier: Notifier;
  isLeadOnline: IsLeadOnline;
}

export function createSocketServer(httpServer: http.Server, deps: Deps): Realtime & { io: Server } {
  const io = new Server(httpServer, {
    maxHttpBufferSize: MAX_PACKET_BYTES,
    // The widget lives on customers' sites: any origin may open a transport. /agent checks
    // the Origin itself in its middleware.
    cors: { origin: true, credentials: false },
    serveClient: false,
    ...(deps.redis ? { adapter: createAdapter(deps.redis.adapter, { streamName: 'pingstreams:socket.io' }) } : {}),
  });
  const visitors = io.of('/visitor') as unknown as VisitorNamespace;
  const agents = io.of('/agent') as unknown as AgentNamespace;
  const notifier = new Notifier(visitors, agents);
  registerVisitorNamespace(visitors, deps, notifier);
  registerAgentNamespace(agents, deps, notifier);
  return { io, notifier, isLeadOnline: leadPresence(visitors) };
}
