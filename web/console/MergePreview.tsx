/** The merge preview (GET …/merge?sourceLeadId=, writes nothing), then "Confirm merge" (POST …/merge). */
import { useState } from 'preact/hooks';
import { describeError } from './api.js';
import { useConsole } from './context.js';
import { leadTitle } from './format.js';
import type { Conversation, Lead, Note } from './types.js';
import { useLoad } from './use-load.js';

interface Preview {
  lead: Lead;
  conversations: Conversation[];
  visitorIds: string[];
  notes: Note[];
}

export function MergePreview(props: { target: Lead; source: Lead; onMerged(lead: Lead): void; onCancel(): void }) {
  const { api, base } = useConsole();
  const { target, source } = props;
  const preview = useLoad(() => api.get<Preview>(`${base}/leads/${target.id}/merge?sourceLeadId=${encodeURIComponent(source.id)}`), [target.id, source.id]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onMerged(await api.post<Lead>(`${base}/leads/${target.id}/merge`, { sourceLeadId: source.id }));
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const p = preview.value;
  return (
    <section class="confirm merge-preview" aria-labelledby={`preview-${source.id}`}>
      <h4 id={`preview-${source.id}`}>
        Merge preview: {leadTitle(source)} into {leadTitle(target)}
      </h4>
      {preview.error && <p class="error" role="alert">{preview.error}</p>}
      {!p && !preview.error && <p role="status">Loading the preview…</p>}
      {p && (
        <>
          <p>After the merge, one contact remains:</p>
          <dl>
            <div class="row"><dt>Name</dt><dd>{p.lead.fullname ?? '—'}</dd></div>
            <div class="row"><dt>Email</dt><dd>{p.lead.email ?? '—'}</dd></div>
            <div class="row"><dt>Phone</dt><dd>{p.lead.phone ?? '—'}</dd></div>
            <div class="row"><dt>Tags</dt><dd>{p.lead.tags.join(', ') || '—'}</dd></div>
            <div class="row"><dt>Verified</dt><dd>{p.lead.verified ? 'yes' : 'no'}</dd></div>
          </dl>
          <p>
            Moving from {leadTitle(source)}: {p.conversations.length} conversation{p.conversations.length === 1 ? '' : 's'}, {p.visitorIds.length} browser
            {p.visitorIds.length === 1 ? '' : 's'}, {p.notes.length} note{p.notes.length === 1 ? '' : 's'}. {leadTitle(source)} then no longer exists.
          </p>
          {p.conversations.length > 0 && (
            <ul aria-label="What moves" class="plain moved">
              {p.conversations.map((c) => (
                <li key={c.id}>{c.firstText ?? '(no message)'}</li>
              ))}
            </ul>
          )}
        </>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        <button type="button" class="primary" disabled={!p || busy} onClick={confirm}>Confirm merge</button>
        <button type="button" onClick={props.onCancel}>Cancel</button>
      </div>
    </section>
  );
}
