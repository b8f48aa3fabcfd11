/** Create ("New contact") or edit ("Edit") a contact; "Save" sends it. Attributes are edited as JSON. */
import { useState } from 'preact/hooks';
import { ApiError, describeError } from './api.js';
import { attributeChanges, formOf, leadBody, type ContactFormValues } from './contact-form-values.js';
import { useConsole } from './context.js';
import { Field } from './Field.js';
import { href, navigate } from './route.js';
import type { Lead } from './types.js';

const FIELDS: [keyof ContactFormValues, string, ('email' | 'tel')?][] = [
  ['fullname', 'Full name'],
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['email', 'Email', 'email'],
  ['phone', 'Phone', 'tel'],
  ['externalId', 'External id'],
  ['tags', 'Tags'],
];

export function ContactForm({ lead, onDone }: { lead: Lead | null; onDone?: () => void }) {
  const { api, base } = useConsole();
  const [values, setValues] = useState<ContactFormValues>(() => formOf(lead));
  const [error, setError] = useState<{ message: string; existing?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const cancel = () => (lead ? onDone?.() : navigate(href.contacts()));

  async function save(event: Event) {
    event.preventDefault();
    setError(null);
    let attributes: Record<string, unknown>;
    try {
      attributes = attributeChanges(lead?.attributes ?? {}, values.attributes);
    } catch {
      return setError({ message: 'Attributes must be a JSON object, like {"plan": "pro"}.' });
    }
    setBusy(true);
    try {
      const body = { ...leadBody(values, lead === null), attributes };
      if (lead) {
        await api.patch<Lead>(`${base}/leads/${lead.id}`, body);
        onDone?.();
      } else {
        const created = await api.post<Lead>(`${base}/leads`, body);
        navigate(href.contact(created.id));
      }
    } catch (err) {
      const existing = err instanceof ApiError ? (err.details as { leadId?: string } | undefined)?.leadId : undefined;
      setError({ message: describeError(err), ...(existing ? { existing } : {}) });
    } finally {
      setBusy(false);
    }
  }

  const form = (
    <form class="card contact-form" onSubmit={save}>
      {!lead && <h2>New contact</h2>}
      {FIELDS.map(([key, label, type]) => (
        <Field
          key={key}
          label={label}
          type={type ?? 'text'}
          value={values[key]}
          onInput={(v) => setValues((f) => ({ ...f, [key]: v }))}
          {...(key === 'tags' ? { hint: 'Separated by commas' } : {})}
          {...(key === 'externalId' && lead?.verified ? { hint: 'Set by the signed identity' } : {})}
        />
      ))}
      <div class="field">
        <label for="contact-attributes">Attributes (JSON)</label>
        <textarea id="contact-attributes" rows={4} value={values.attributes} onInput={(e) => setValues((f) => ({ ...f, attributes: (e.target as HTMLTextAreaElement).value }))} />
      </div>
      {error && (
        <p class="error" role="alert">
          {error.message} {error.existing && <a href={href.contact(error.existing)}>Open the existing contact</a>}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>Save</button>
        <button type="button" onClick={cancel}>Cancel</button>
      </div>
    </form>
  );
  return lead ? form : <main class="page">{form}</main>;
}
