/** Every Redis key of presence and of the rate limiters, built in one place under one prefix. */

const PREFIX = 'pingstreams:presence';

export const presenceKeys = {
  /** ZSET: process id → time of its last heartbeat (ms). */
  processes: () => `${PREFIX}:processes`,
  /** HASH: socket id → "projectId|agentId", the agent sockets one process holds. */
  processSockets: (processId: string) => `${PREFIX}:process:${processId}:sockets`,
  /** SET: "processId|socketId" of every connected socket of one agent in one project. */
  agentSockets: (projectId: string, agentId: string) => `${PREFIX}:agent:${projectId}:${agentId}:sockets`,
  /** STRING: present while the agent said it is away. */
  agentAway: (projectId: string, agentId: string) => `${PREFIX}:agent:${projectId}:${agentId}:away`,
};

/** Visitor presence (src/presence/visitor-presence-redis.ts): which lead has a visitor socket connected, on any process. */
export const visitorPresenceKeys = {
  /** ZSET: process id → time of its last heartbeat (ms); apart from the agents' so each sweeper claims its own. */
  processes: () => `${PREFIX}:visitors:processes`,
  /** HASH: "socketId|leadId" → "projectId|leadId|visitorId", the visitor sockets one process holds, per lead. */
  processSockets: (processId: string) => `${PREFIX}:visitors:process:${processId}:sockets`,
  /** SET: "processId|socketId" of every connected visitor socket of one lead. */
  leadSockets: (projectId: string, leadId: string) => `${PREFIX}:visitors:lead:${projectId}:${leadId}:sockets`,
  /** HASH { v: transitions so far, at: ms of the last one } of one lead, expiring an hour after its last change. */
  leadState: (projectId: string, leadId: string) => `${PREFIX}:visitors:lead:${projectId}:${leadId}:state`,
};

/** The abuse limits' counters (src/limits/rate-limits.ts). */
export type RateLimitCounter = 'login-ip' | 'login-email' | 'handshake-ip';

/** Key prefix of one rate limiter; rate-limiter-flexible appends ":<ip or email>" (STRING with a TTL). */
export const rateLimitKeyPrefix = (counter: RateLimitCounter) => `pingstreams:rl:${counter}`;
