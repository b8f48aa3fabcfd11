/** A contact's details, tags and attributes, as text. */
import { fullTime } from './format.js';
import type { Lead } from './types.js';

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export function ContactFacts({ lead }: { lead: Lead }) {
  const attributes = Object.entries(lead.attributes);
  const rows: [string, string | null][] = [
    ['Name', lead.fullname],
    ['First name', lead.firstName],
    ['Last name', lead.lastName],
    ['Email', lead.email],
    ['Phone', lead.phone],
    ['External id', lead.externalId],
    ['Last seen', lead.lastSeenAt ? fullTime(lead.lastSeenAt) : null],
    ['Created', fullTime(lead.createdAt)],
    ['Browsers', String(lead.visitorIds.length)],
  ];
  return (
    <div class="facts">
      <section aria-labelledby="facts-details">
        <h3 id="facts-details">Details</h3>
        <dl>
          {rows.map(([label, value]) => (
            <div key={label} class="row">
              <dt>{label}</dt>
              <dd>{value ?? '—'}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="facts-tags">
        <h3 id="facts-tags">Tags</h3>
        {lead.tags.length === 0 ? (
          <p class="muted">No tags.</p>
        ) : (
          <ul aria-label="Tags" class="tags plain">
            {lead.tags.map((t) => (
              <li key={t} class="tag">{t}</li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="facts-attributes">
        <h3 id="facts-attributes">Attributes</h3>
        {attributes.length === 0 ? (
          <p class="muted">No attributes.</p>
        ) : (
          <dl>
            {attributes.map(([key, value]) => (
              <div key={key} class="row">
                <dt>{key}</dt>
                <dd>{show(value)}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
    </div>
  );
}
