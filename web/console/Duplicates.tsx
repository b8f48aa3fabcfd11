/** Duplicates: contacts sharing an email, grouped; each group's "Merge" shows the preview, then confirms. */
import { useState } from 'preact/hooks';
import { useConsole } from './context.js';
import { fullTime, leadTitle } from './format.js';
import { MergePreview } from './MergePreview.js';
import { href, navigate } from './route.js';
import type { Lead } from './types.js';
import { useLoad } from './use-load.js';

interface Group {
  email: string;
  leads: Lead[];
}

export function Duplicates() {
  const { api, base } = useConsole();
  const groups = useLoad(() => api.get<{ data: Group[] }>(`${base}/leads/duplicates?limit=100`).then((r) => r.data), []);
  return (
    <main class="page duplicates">
      <header class="page-head">
        <h2>Duplicates</h2>
      </header>
      <p class="muted">Contacts that share an email address. Merging keeps the oldest one and moves the other's conversations, browsers and notes into it.</p>
      {groups.error && <p class="error" role="alert">{groups.error}</p>}
      {!groups.value && !groups.error && <p role="status">Loading…</p>}
      {groups.value && groups.value.length === 0 && <p>No duplicates.</p>}
      {groups.value && groups.value.length > 0 && (
        <ul aria-label="Duplicate groups" class="plain groups">
          {groups.value.map((group) => (
            <DuplicateGroup key={group.email} group={group} />
          ))}
        </ul>
      )}
    </main>
  );
}

function DuplicateGroup({ group }: { group: Group }) {
  const [merging, setMerging] = useState(false);
  // Newest first: the oldest stays, the newest other one merges into it (one pair at a time, so the preview is exact).
  const target = group.leads[group.leads.length - 1]!;
  const source = group.leads[0]!;
  return (
    <li class="card group" aria-label={`${group.leads.length} contacts with ${group.email}`}>
      <h3>{group.email}</h3>
      <ul class="plain">
        {group.leads.map((lead) => (
          <li key={lead.id}>
            <a href={href.contact(lead.id)}>{leadTitle(lead)}</a> <span class="muted">· created {fullTime(lead.createdAt)}</span>
            {lead.id === target.id && <span class="badge">stays</span>}
            {lead.verified && <span class="badge verified">Verified</span>}
          </li>
        ))}
      </ul>
      {merging ? (
        <MergePreview target={target} source={source} onMerged={(lead) => navigate(href.contact(lead.id))} onCancel={() => setMerging(false)} />
      ) : (
        <button type="button" onClick={() => setMerging(true)}>Merge</button>
      )}
    </li>
  );
}
