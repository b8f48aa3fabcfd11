/** The list "Conversations" of a contact: each a link named first by the conversation's first message. */
import { fullTime } from './format.js';
import { href } from './route.js';
import type { Conversation } from './types.js';

const STATUS = { unassigned: 'waiting', assigned: 'open', closed: 'closed' } as const;

export function ContactConversations({ conversations, error }: { conversations: Conversation[] | null; error: string | null }) {
  return (
    <section aria-labelledby="contact-conversations">
      <h3 id="contact-conversations">Conversations</h3>
      {error && <p class="error" role="alert">{error}</p>}
      {conversations && conversations.length === 0 && <p class="muted">No conversations yet.</p>}
      {conversations && conversations.length > 0 && (
        <ul aria-label="Conversations" class="contact-conversations plain">
          {conversations.map((c) => (
            <li key={c.id}>
              <a href={href.inbox(c.status === 'closed' ? 'closed' : 'open', c.id)}>
                <span class="first-text">{c.firstText ?? '(no message)'}</span>{' '}
                <span class="muted">
                  · {STATUS[c.status]} · {fullTime(c.createdAt)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
