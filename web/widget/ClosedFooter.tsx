/** A closed conversation: the rating (Rate 1 … Rate 5, may be changed) and a way to start again. */
import type { Conversation } from '../shared/protocol.js';
import type { WidgetStore } from './widget-store.js';

const SCORES = [1, 2, 3, 4, 5];

export function ClosedFooter({ store, conversation }: { store: WidgetStore; conversation: Conversation }) {
  const rating = conversation.rating;
  return (
    <div class="closed">
      <p>This conversation is closed.</p>
      <div class="rating" role="group" aria-label="Rate this conversation">
        <span class="label">How did we do?</span>
        {SCORES.map((score) => (
          <button type="button" key={score} aria-label={`Rate ${score}`} aria-pressed={rating === score} onClick={() => void store.rate(score)}>
            {rating !== null && score <= rating ? '★' : '☆'}
          </button>
        ))}
      </div>
      <p class="muted" aria-live="polite">
        {rating !== null ? `Thank you! You rated this conversation ${rating} out of 5.` : ''}
      </p>
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
