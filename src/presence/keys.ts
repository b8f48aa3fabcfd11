/** Every Redis key of presence, built in one place under one prefix. */

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
