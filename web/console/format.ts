/** Small text helpers: times and names, as agents read them. */
import type { Lead } from './types.js';

/** "14:05" today, "3 Mar 14:05" on another day. */
export function shortTime(iso: string): string {
  const date = new Date(iso);
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (date.toDateString() === new Date().toDateString()) return time;
  return `${date.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

export const fullTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** The contact's name as the console shows it: its name, else its email, else its id. */
export const leadTitle = (lead: Pick<Lead, 'fullname' | 'email' | 'id'>) => lead.fullname || lead.email || lead.id;
