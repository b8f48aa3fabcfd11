/** "Delete" asks first: the contact, its conversations and messages, its notes are erased for good. */
import { useState } from 'preact/hooks';
import { describeError } from './api.js';
import { useConsole } from './context.js';
import { leadTitle } from './format.js';
import { href, navigate } from './route.js';
import type { Lead } from './types.js';

export function ContactDelete({ lead, conversations, onCancel }: { lead: Lead; conversations: number; onCancel(): void }) {
  const { api, base } = useConsole();
  const [error, setError] = useState<string | null>(null);
  const erase = () =>
    api
      .del(`${base}/leads/${lead.id}`)
      .then(() => navigate(href.contacts()))
      .catch((err) => setError(describeError(err)));
  return (
    <section role="alertdialog" aria-labelledby="delete-title" aria-describedby="delete-text" class="confirm danger-zone">
      <h3 id="delete-title">Delete {leadTitle(lead)}?</h3>
      <p id="delete-text">
        This erases the contact, its {conversations} conversation{conversations === 1 ? '' : 's'} with their messages, and its notes. Its visitors are signed out. It cannot be
        undone.
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        <button type="button" class="danger" onClick={erase}>Delete</button>
        <button type="button" onClick={onCancel} autoFocus>Cancel</button>
      </div>
    </section>
  );
}
