/** The conversation lists (tabs Queue, Mine, All open, Closed), live, beside the open conversation. */
import { useRef } from 'preact/hooks';
import { unreadCount, visibleName, type ChatState } from './chat-state.js';
import { useConsole } from './context.js';
import { ConversationView } from './ConversationView.js';
import { href, navigate, TABS, type Tab } from './route.js';
import { useStore } from './store.js';
import type { Conversation } from './types.js';
import { shortTime } from './format.js';

function inTab(tab: Tab, c: Conversation, me: string): boolean {
  if (tab === 'queue') return c.status === 'unassigned';
  if (tab === 'mine') return c.status === 'assigned' && c.assigneeId === me;
  if (tab === 'open') return c.status !== 'closed';
  return c.status === 'closed';
}

const newestFirst = (a: Conversation, b: Conversation) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0);

export function Inbox({ tab, conversationId }: { tab: Tab; conversationId: string | null }) {
  const { chat, me } = useConsole();
  const state = useStore(chat.state);
  const all = Object.values(state.conversations);
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);

  // Arrow keys move between tabs, as in any tablist.
  function onTabKey(event: KeyboardEvent, index: number) {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = (index + step + TABS.length) % TABS.length;
    navigate(href.inbox(TABS[next]!.id));
    tabRefs.current[next]?.focus();
  }

  return (
    <main class={`inbox ${conversationId ? 'has-open' : ''}`}>
      <section class="lists" aria-label="Inbox">
        <div role="tablist" aria-label="Conversation lists" class="tabs">
          {TABS.map((t, i) => {
            const count = all.filter((c) => inTab(t.id, c, me.id)).length;
            return (
              <button
                key={t.id}
                ref={(el) => void (tabRefs.current[i] = el)}
                type="button"
                role="tab"
                id={`tab-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls="tab-panel"
                tabIndex={tab === t.id ? 0 : -1}
                onClick={() => navigate(href.inbox(t.id))}
                onKeyDown={(e) => onTabKey(e, i)}
              >
                {t.label}
                {t.id !== 'closed' && count > 0 && <span class="count" aria-hidden="true">{count}</span>}
              </button>
            );
          })}
        </div>
        <div role="tabpanel" id="tab-panel" aria-labelledby={`tab-${tab}`}>
          <ConversationList state={state} tab={tab} selected={conversationId} items={all.filter((c) => inTab(tab, c, me.id)).sort(newestFirst)} />
        </div>
      </section>
      <section class="conversation-pane" aria-label="Conversation">
        {conversationId ? (
          <ConversationView key={conversationId} conversationId={conversationId} backHref={href.inbox(tab)} />
        ) : (
          <p class="empty">Pick a conversation.</p>
        )}
      </section>
    </main>
  );
}

function ConversationList({ state, tab, selected, items }: { state: ChatState; tab: Tab; selected: string | null; items: Conversation[] }) {
  if (!state.listsLoaded) return <p role="status">Loading…</p>;
  if (items.length === 0) return <p class="empty">Nothing here.</p>;
  return (
    <ul class="conversations plain">
      {items.map((c) => {
        const lead = state.leads[c.leadId];
        const unread = unreadCount(c);
        return (
          <li key={c.id}>
            <a href={href.inbox(tab, c.id)} aria-current={selected === c.id ? 'true' : undefined} class="conversation-item">
              <span class="who">{visibleName(lead) ?? 'Visitor'}</span>
              <span class="first-text">{c.firstText ?? ''}</span>
              <span class="meta">
                <time dateTime={c.updatedAt}>{shortTime(c.updatedAt)}</time>
                {unread > 0 && <span class="badge">{unread} unread</span>}
              </span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}
