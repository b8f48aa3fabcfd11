/** Notes on a contact: add, list (newest first), remove (its author, owners and admins). */
import { useId, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { canManage, useConsole } from './context.js';
import { fullTime } from './format.js';
import type { Note } from './types.js';
import { useLoad } from './use-load.js';

export function ContactNotes({ leadId, revision }: { leadId: string; revision: number }) {
  const { api, base, me, project } = useConsole();
  const notes = useLoad(() => api.get<{ data: Note[] }>(`${base}/leads/${leadId}/notes`).then((r) => r.data), [leadId, revision]);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const textId = useId();

  const run = (action: Promise<unknown>) =>
    action.then(
      () => notes.reload(),
      (err) => setError(describeError(err)),
    );

  function add(event: Event) {
    event.preventDefault();
    if (!text.trim()) return;
    setError(null);
    void run(api.post(`${base}/leads/${leadId}/notes`, { text }).then(() => setText('')));
  }

  return (
    <section aria-labelledby="contact-notes" class="notes">
      <h3 id="contact-notes">Notes</h3>
      <form onSubmit={add}>
        <div class="field">
          <label for={textId}>New note</label>
          <textarea id={textId} rows={2} maxLength={10_000} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        </div>
        <button type="submit" disabled={!text.trim()}>Add note</button>
      </form>
      {(error ?? notes.error) && <p class="error" role="alert">{error ?? notes.error}</p>}
      {notes.value && notes.value.length === 0 && <p class="muted">No notes yet.</p>}
      {notes.value && notes.value.length > 0 && (
        <ul aria-label="Notes" class="plain note-list">
          {notes.value.map((note) => (
            <li key={note.id} class="note">
              <p class="text">{note.text}</p>
              <p class="muted">
                {note.author.fullname} · {fullTime(note.createdAt)}{' '}
                {(note.author.id === me.id || canManage(project)) && (
                  <button type="button" class="link" aria-label={`Remove note by ${note.author.fullname} from ${fullTime(note.createdAt)}`} onClick={() => run(api.del(`${base}/leads/${leadId}/notes/${note.id}`))}>
                    Remove
                  </button>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
