/** Whether a lead is online: any socket of any of its visitor ids connected now, on any process. */
import { AppError } from '../errors.js';
import type { VisitorNamespace } from './namespaces.js';
import { rooms } from './rooms.js';

export type IsLeadOnline = (leadId: string) => Promise<boolean>;

export function leadPresence(visitors: VisitorNamespace): IsLeadOnline {
  return async (leadId) => {
    try {
      // Through the adapter: with Redis every process answers for its own sockets.
      return (await visitors.in(rooms.lead(leadId)).fetchSockets()).length > 0;
    } catch {
      // A process that died a moment ago is still awaited until the adapter's heartbeat forgets it.
      throw new AppError('UNAVAILABLE', 'Could not ask every server process who is connected; retry shortly.');
    }
  };
}
