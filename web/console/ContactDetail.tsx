/** A contact: heading (name or email), verified badge, details, tags, attributes, its conversations, notes; Edit, Merge, Delete. */
import { useState } from 'preact/hooks';
import { ContactConversations } from './ContactConversations.js';
import { ContactDelete } from './ContactDelete.js';
import { ContactFacts } from './ContactFacts.js';
import { ContactForm } from './ContactForm.js';
import { ContactMerge } from './ContactMerge.js';
import { ContactNotes } from './ContactNotes.js';
import { useConsole } from './context.js';
import { leadTitle } from './format.js';
import { href } from './route.js';
import { useStore } from './store.js';
import type { Conversation, Lead } from './types.js';
import { useLoad } from './use-load.js';

type Mode = 'view' | 'edit' | 'merge' | 'delete';

export function ContactDetail({ leadId }: { leadId: string }) {
  const { api, base, chat } = useConsole();
  // A merge anywhere (another agent, a visitor's identity) moves conversations: load again.
  const { leadRevision } = useStore(chat.state);
  const lead = useLoad(() => api.get<Lead & { online: boolean }>(`${base}/leads/${leadId}`), [leadId, leadRevision]);
  const conversations = useLoad(() => api.get<{ data: Conversation[] }>(`${base}/leads/${leadId}/conversations`).then((r) => r.data), [leadId, leadRevision]);
  const [mode, setMode] = useState<Mode>('view');
  const reloadAll = () => {
    lead.reload();
    conversations.reload();
  };

  if (lead.status === 404) {
    return (
      <main class="page">
        <h2>Contact not found</h2>
        <p>It was deleted or merged into another contact. <a href={href.contacts()}>Search again</a></p>
      </main>
    );
  }
  if (!lead.value) return <main class="page">{lead.error ? <p class="error" role="alert">{lead.error}</p> : <p role="status">Loading…</p>}</main>;
  const current = lead.value;

  return (
    <main class="page contact">
      <header class="page-head">
        <div class="title">
          <h2>{current.fullname || current.email || leadTitle(current)}</h2>
          {current.verified && <span class="badge verified" title="Reached through a signed identity">Verified</span>}
          {current.online && <span class="badge online">Online now</span>}
        </div>
        {mode === 'view' && (
          <div class="actions">
            <button type="button" onClick={() => setMode('edit')}>Edit</button>
            <button type="button" onClick={() => setMode('merge')}>Merge</button>
            <button type="button" class="danger" onClick={() => setMode('delete')}>Delete</button>
          </div>
        )}
      </header>
      {mode === 'edit' && (
        <ContactForm
          lead={current}
          onDone={() => {
            setMode('view');
            reloadAll();
          }}
        />
      )}
      {mode === 'delete' && <ContactDelete lead={current} conversations={conversations.value?.length ?? 0} onCancel={() => setMode('view')} />}
      {mode === 'merge' && (
        <ContactMerge
          target={current}
          onDone={() => {
            setMode('view');
            reloadAll();
          }}
        />
      )}
      {mode !== 'edit' && <ContactFacts lead={current} />}
      <ContactConversations conversations={conversations.value} error={conversations.error} />
      <ContactNotes leadId={current.id} revision={leadRevision} />
    </main>
  );
}
