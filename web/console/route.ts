/** The console's pages live in the URL's hash (#/inbox/mine/<id>, #/contacts/<id>…): links are real links, Back works. */
import { useEffect, useState } from 'preact/hooks';

export type Tab = 'queue' | 'mine' | 'open' | 'closed';
export const TABS: { id: Tab; label: string }[] = [
  { id: 'queue', label: 'Queue' },
  { id: 'mine', label: 'Mine' },
  { id: 'open', label: 'All open' },
  { id: 'closed', label: 'Closed' },
];

export type Route =
  | { page: 'inbox'; tab: Tab; conversationId: string | null }
  | { page: 'contacts' }
  | { page: 'new-contact' }
  | { page: 'contact'; leadId: string }
  | { page: 'duplicates' }
  | { page: 'members' };

const isTab = (value: string | undefined): value is Tab => TABS.some((t) => t.id === value);

export function parseRoute(hash: string): Route {
  const [first, second, third] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (first === 'contacts' && second === 'new') return { page: 'new-contact' };
  if (first === 'contacts' && second) return { page: 'contact', leadId: second };
  if (first === 'contacts') return { page: 'contacts' };
  if (first === 'duplicates') return { page: 'duplicates' };
  if (first === 'members') return { page: 'members' };
  return { page: 'inbox', tab: isTab(second) ? second : 'mine', conversationId: third || null };
}

export const href = {
  inbox: (tab: Tab, conversationId?: string) => `#/inbox/${tab}${conversationId ? `/${encodeURIComponent(conversationId)}` : ''}`,
  contacts: () => '#/contacts',
  newContact: () => '#/contacts/new',
  contact: (leadId: string) => `#/contacts/${encodeURIComponent(leadId)}`,
  duplicates: () => '#/duplicates',
  members: () => '#/members',
};

export function navigate(to: string): void {
  location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
