/** A returning visitor's past conversations, newest first, and a button for a new one. */
import type { Conversation } from '../shared/protocol.js';
import type { WidgetStore } from './widget-store.js';

const STATUS = { unassigned: 'Waiting for an agent', assigned: 'Open', closed: 'Closed' } as const;

export function ConversationList({ store }: { store: WidgetStore }) {
  return (
    <div class="list-view">
      {store.conversations.length === 0 && <p class="muted">No conversations yet.</p>}
      <ul class="conversations" aria-label="Your conversations">
        {store.conversations.map((conversation) => (
          <li key={conversation.id}>
            <ConversationItem conversation={conversation} open={() => void store.openConversation(conversation)} />
          </li>
        ))}
      </ul>
      {store.error && (
        <p class="error" role="alert">
          {store.error}
        </p>
      )}
      <button type="button" class="primary" disabled={store.busy} onClick={() => void store.newConversation()}>
        New conversation
      </button>
    </div>
  );
}

function ConversationItem({ conversation, open }: { conversation: Conversation; open: () => void }) {
  const started = new Date(conversation.createdAt).toLocaleDateString([], { day: 'numeric', month: 'short' });
  return (
    <button type="button" class="conversation" onClick={open}>
      <span class="first">{conversation.firstText ?? 'No messages yet'}</span>
      <span class="meta">
        {STATUS[conversation.status]} · {started}
      </span>
    </button>
  );
}
