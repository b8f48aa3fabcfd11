/** Whether a lead is online: any socket of any of its visitor ids connected now, on any process. */
import type { VisitorNamespace } from './namespaces.js';
import { rooms } from './rooms.js';

export type IsLeadOnline = (leadId: string) => Promise<boolean>;

export function leadPresence(visitors: VisitorNamespace): IsLeadOnline {
  // Through the adapter, so with Redis every process answers for its own sockets.
  return async (leadId) => (await visitors.in(rooms.lead(leadId)).fetchSockets()).length > 0;
}
