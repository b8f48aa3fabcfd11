/** Room names: every fan-out target is one of these. Rooms live per namespace. */

export const rooms = {
  /** /visitor: every socket of one browser identity. */
  visitor: (visitorId: string) => `visitor:${visitorId}`,
  /** /visitor: every socket of every visitor id of one lead. */
  lead: (leadId: string) => `lead:${leadId}`,
  /** /agent: every agent socket connected to a project. */
  projectAgents: (projectId: string) => `project:${projectId}:agents`,
  /** /agent: every socket of one agent in one project. */
  agent: (projectId: string, agentId: string) => `project:${projectId}:agent:${agentId}`,
};
