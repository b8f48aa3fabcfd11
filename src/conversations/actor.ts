/** Who is acting: a visitor (a browser identity) or an agent, always inside one project. */

export interface VisitorActor {
  type: 'visitor';
  projectId: string;
  visitorId: string;
}

export interface AgentActor {
  type: 'agent';
  projectId: string;
  agentId: string;
}

export type Actor = VisitorActor | AgentActor;

export const senderOf = (actor: Actor) =>
  actor.type === 'visitor' ? { type: 'visitor' as const, id: actor.visitorId } : { type: 'agent' as const, id: actor.agentId };
