/**
 * Visitor presence follows the /visitor sockets in and out of their leads' rooms, as the adapter
 * reports them on the process that holds each socket: a connect with a lead, a lead created later
 * (lead:update, conversation:start), a merge that moves sockets (even from another process), a
 * disconnect. Agents hear `visitor:presence` when a lead's first socket arrives and its last leaves,
 * at once after the store decided (nothing waits in between, so a lead's announcements keep the
 * order of its transitions); `lastSeenAt` is written at both moments, right after.
 */
import type { Logger } from 'pino';
import type { Knex } from 'knex';
import { touchLead } from '../contacts/lead.store.js';
import type { VisitorNamespace } from '../realtime/namespaces.js';
import type { Notifier } from '../realtime/notifier.js';
import { rooms } from '../realtime/rooms.js';
import type { VisitorPresenceStore, VisitorSocketRef } from './visitor-presence-store.js';

const LEAD_ROOM_PREFIX = rooms.lead('');

export function trackVisitorPresence(visitors: VisitorNamespace, store: VisitorPresenceStore, notifier: Notifier, knex: Knex, logger: Logger): void {
  /** What this process counted in, by "socketId|leadId": a leave is counted out with what its join said. */
  const counted = new Map<string, VisitorSocketRef>();
  /** One socket's join and leave of one lead reach the store in the order they happened. */
  const order = new Map<string, Promise<void>>();

  const announce = async (ref: VisitorSocketRef, online: boolean) => {
    notifier.visitorPresence(ref.projectId, ref.leadId, ref.visitorId, online);
    await touchLead(knex, ref.projectId, ref.leadId).catch((err: unknown) => logger.warn({ err, leadId: ref.leadId }, 'could not record when a lead was last seen'));
  };

  const inOrder = (key: string, step: () => Promise<void>) => {
    const next = (order.get(key) ?? Promise.resolve()).then(step).catch((err: unknown) => {
      logger.warn({ err, socketId: key.split('|')[0] }, 'visitor presence did not reach its store');
    });
    order.set(key, next);
    void next.then(() => {
      if (order.get(key) === next) order.delete(key);
    });
  };

  visitors.adapter.on('join-room', (room: string, socketId: string) => {
    if (!room.startsWith(LEAD_ROOM_PREFIX)) return;
    const socket = visitors.sockets.get(socketId);
    if (!socket) return;
    const ref = { projectId: socket.data.projectId, leadId: room.slice(LEAD_ROOM_PREFIX.length), visitorId: socket.data.visitorId, socketId };
    const key = `${socketId}|${ref.leadId}`;
    counted.set(key, ref);
    inOrder(key, async () => {
      if (await store.connect(ref)) await announce(ref, true);
    });
  });

  visitors.adapter.on('leave-room', (room: string, socketId: string) => {
    if (!room.startsWith(LEAD_ROOM_PREFIX)) return;
    const key = `${socketId}|${room.slice(LEAD_ROOM_PREFIX.length)}`;
    const ref = counted.get(key);
    if (!ref) return;
    counted.delete(key);
    inOrder(key, async () => {
      if (await store.disconnect(ref)) await announce(ref, false);
    });
  });

  // What the store finds by itself: a dead process swept, sockets back after an outage, a re-announcement.
  store.start(announce);
}
