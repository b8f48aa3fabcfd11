/** The launcher and the panel it opens: the whole widget, rendered inside its shadow root. */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { useObservable } from '../shared/observable.js';
import { ChatView } from './ChatView.js';
import { ConversationList } from './ConversationList.js';
import { PrechatForm } from './PrechatForm.js';
import type { WidgetStore } from './widget-store.js';

const TITLES = { loading: 'Chat with us', form: 'Chat with us', list: 'Your conversations', chat: 'Chat', unavailable: 'Chat' } as const;

export function App({ store }: { store: WidgetStore }) {
  useObservable(store);
  const panel = useRef<HTMLElement>(null);
  const launcher = useRef<HTMLButtonElement>(null);

  // Opening moves the focus into the panel (its first field or button); closing gives it back to the launcher.
  // Again when the pre-chat form's fields arrive: the panel may have opened on "Loading…", with
  // nothing to focus. A layout effect, so the focus has moved by the time the field can be seen
  // (a plain effect runs after paint: the first keys typed could still reach the launcher).
  const formShown = store.view === 'form' && store.prechatFields !== null;
  useLayoutEffect(() => {
    if (store.open) panel.current?.querySelector<HTMLElement>('input, textarea, .conversation, .primary')?.focus();
  }, [store.open, store.view, formShown]);

  const close = () => {
    store.setOpen(false);
    launcher.current?.focus();
  };

  return (
    <div class="root">
      <section
        ref={panel}
        id="pingstreams-panel"
        class="panel"
        role="dialog"
        aria-label="Chat"
        hidden={!store.open}
        onKeyDown={(e) => e.key === 'Escape' && close()}
      >
        <header class="header">
          {store.view === 'chat' && (
            <button type="button" class="back" aria-label="Back to your conversations" onClick={() => store.backToList()}>
              ‹
            </button>
          )}
          <h2>{TITLES[store.view]}</h2>
        </header>
        {store.everConnected && !store.connected && store.view !== 'unavailable' && (
          <p class="banner" aria-live="polite">
            Connection lost. Reconnecting…
          </p>
        )}
        <div class="body">
          <Body store={store} />
        </div>
      </section>
      <button
        ref={launcher}
        type="button"
        class="launcher"
        aria-label={store.open ? 'Close chat' : 'Open chat'}
        aria-expanded={store.open}
        aria-controls="pingstreams-panel"
        onClick={() => (store.open ? close() : store.setOpen(true))}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">
          {store.open ? (
            <path d="M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 1 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z" />
          ) : (
            <path d="M5 3h14a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3H10l-5 4v-4a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3z" />
          )}
        </svg>
      </button>
    </div>
  );
}

function Body({ store }: { store: WidgetStore }) {
  switch (store.view) {
    case 'form':
      return <PrechatForm store={store} />;
    case 'list':
      return <ConversationList store={store} />;
    case 'chat':
      return store.chat ? <ChatView store={store} chat={store.chat} /> : null;
    case 'unavailable':
      return <p class="notice muted">The chat is not available on this site right now.</p>;
    default:
      return <p class="notice muted">Connecting…</p>;
  }
}
