/** The Contacts module: search (searchbox "Search contacts", list "Search results"), New contact, Export CSV, Duplicates. */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { exportCsv, filterQuery, rememberedFilters, rememberFilters, type ContactFilters } from './contact-search.js';
import { useConsole } from './context.js';
import { leadTitle } from './format.js';
import { href, navigate } from './route.js';
import type { Lead } from './types.js';

interface Results {
  leads: Lead[];
  nextCursor: string | null;
}

const SEARCH_DELAY_MS = 250;

export function ContactsPage() {
  const { api, base } = useConsole();
  const [filters, setFilters] = useState<ContactFilters>(rememberedFilters);
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = { search: useId(), tag: useId(), verified: useId() };
  const latest = useRef(0);

  const load = async (cursor: string | null) => {
    const params = filterQuery(filters);
    if (cursor) params.set('cursor', cursor);
    const ticket = ++latest.current;
    const page = await api.get<{ data: Lead[]; nextCursor: string | null }>(`${base}/leads?${params}`);
    if (ticket !== latest.current) return; // a newer search answers instead
    setResults((prev) => ({ leads: cursor && prev ? [...prev.leads, ...page.data] : page.data, nextCursor: page.nextCursor }));
  };

  // Search as the agent types (a short pause first), and remember it for the way back.
  useEffect(() => {
    rememberFilters(filters);
    setError(null);
    const timer = setTimeout(() => load(null).catch((err) => setError(describeError(err))), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [filters.text, filters.tag, filters.verified]);

  const set = (change: Partial<ContactFilters>) => setFilters((f) => ({ ...f, ...change }));

  return (
    <main class="page contacts">
      <header class="page-head">
        <h2>Contacts</h2>
        <div class="actions">
          <button type="button" onClick={() => navigate(href.newContact())}>New contact</button>
          <button type="button" onClick={() => exportCsv(api, base, filters).catch((err) => setError(describeError(err)))}>Export CSV</button>
          <a href={href.duplicates()}>Duplicates</a>
        </div>
      </header>
      <form class="filters" role="search" onSubmit={(e) => (e.preventDefault(), load(null).catch((err) => setError(describeError(err))))}>
        <div class="field grow">
          <label for={ids.search}>Search contacts</label>
          <input id={ids.search} type="search" placeholder="Email, name or phone" value={filters.text} onInput={(e) => set({ text: (e.target as HTMLInputElement).value })} />
        </div>
        <div class="field">
          <label for={ids.tag}>Tag</label>
          <input id={ids.tag} type="text" value={filters.tag} onInput={(e) => set({ tag: (e.target as HTMLInputElement).value })} />
        </div>
        <div class="field">
          <label for={ids.verified}>Verified</label>
          <select id={ids.verified} value={filters.verified} onChange={(e) => set({ verified: (e.target as HTMLSelectElement).value as ContactFilters['verified'] })}>
            <option value="">Any</option>
            <option value="true">Verified only</option>
            <option value="false">Not verified</option>
          </select>
        </div>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {results === null ? (
        <p role="status">Searching…</p>
      ) : (
        <>
          <p class="muted" role="status">{results.leads.length === 0 ? 'No contacts found.' : `${results.leads.length}${results.nextCursor ? '+' : ''} found`}</p>
          <ul aria-label="Search results" class="results plain">
            {results.leads.map((lead) => (
              <li key={lead.id}>
                <a href={href.contact(lead.id)}>{leadTitle(lead)}</a>
                {lead.fullname && lead.email && <span class="muted"> {lead.email}</span>}
                {lead.verified && <span class="badge verified">Verified</span>}
                {lead.tags.map((t) => (
                  <span key={t} class="tag">{t}</span>
                ))}
              </li>
            ))}
          </ul>
          {results.nextCursor && (
            <button type="button" onClick={() => load(results.nextCursor).catch((err) => setError(describeError(err)))}>Load more</button>
          )}
        </>
      )}
    </main>
  );
}
