/** Visitor presence per lead: online while any socket of any of its visitors is connected anywhere, offline after the last. */

/** One visitor socket in one lead's room. */
export interface VisitorSocketRef {
  projectId: string;
  leadId: string;
  visitorId: string;
  socketId: string;
}

/** Told of changes a store finds by itself: a dead process's sockets swept, sockets written again after an outage, a goodbye. */
export type VisitorPresenceListener = (ref: VisitorSocketRef, online: boolean) => Promise<void>;

export interface VisitorPresenceStore {
  /** Counts the socket in; true when it is the lead's first one (the lead came online). */
  connect(ref: VisitorSocketRef): Promise<boolean>;
  /** Counts the socket out; true when it was the lead's last one (the lead went offline). */
  disconnect(ref: VisitorSocketRef): Promise<boolean>;
  start(listener: VisitorPresenceListener): void;
  /** Says goodbye for this process's sockets (their leads may go offline: the listener hears it); later calls are ignored. */
  stop(): Promise<void>;
}
