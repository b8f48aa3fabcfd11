/** "Merge" on a contact: find the other contact (same email first), preview, confirm. This contact stays. */
import { useEffect, useId, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { filterQuery } from './contact-search.js';
import { useConsole } from './context.js';
import { leadTitle } from './format.js';
import { MergePreview } from './MergePreview.js';
import type { Lead } from './types.js';

export function ContactMerge({ target, onDone }: { target: Lead; onDone(): void }) {
  const { api, base } = useConsole();
  const [text, setText] = useState(target.email ?? target.fullname ?? '');
  const [found, setFound] = useState<Lead[]>([]);
  const [source, setSource] = useState<Lead | null>(null);
  const [error, setError] = useState<string | null>(null);
  const searchId = useId();

  useEffect(() => {
    const timer = setTimeout(() => {
      const params = filterQuery({ text, tag: '', verified: '' });
      api
        .get<{ data: Lead[] }>(`${base}/leads?${params}`)
        .then(({ data }) => setFound(data.filter((l) => l.id !== target.id)))
        .catch((err) => setError(describeError(err)));
    }, 250);
    return () => clearTimeout(timer);
  }, [text]);

  if (source) return <MergePreview target={target} source={source} onMerged={onDone} onCancel={() => setSource(null)} />;
  return (
    <section class="confirm" aria-labelledby="merge-title">
      <h3 id="merge-title">Merge another contact into {leadTitle(target)}</h3>
      <p class="muted">Its conversations, browsers and notes move here; this contact keeps its id and its filled-in fields.</p>
      <div class="field">
        <label for={searchId}>Find the contact to merge</label>
        <input id={searchId} type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <ul aria-label="Contacts to merge" class="plain">
        {found.length === 0 && <li class="muted">No other contact matches.</li>}
        {found.map((lead) => (
          <li key={lead.id}>
            <button type="button" onClick={() => setSource(lead)}>
              Preview merging {leadTitle(lead)}
            </button>{' '}
            {lead.fullname && lead.email && <span class="muted">{lead.email}</span>}
          </li>
        ))}
      </ul>
      <div class="actions">
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </section>
  );
}
