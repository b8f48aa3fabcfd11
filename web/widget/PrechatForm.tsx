/** The pre-chat form: name, email and the project's custom fields, then the chat starts. */
import type { WidgetStore } from './widget-store.js';

/** Custom answers are lead attributes (16 KiB in all): a short line each. */
const MAX_ANSWER = 500;

export function PrechatForm({ store }: { store: WidgetStore }) {
  const fields = store.prechatFields;
  if (fields === null) return <p class="notice muted">Loading…</p>;

  const submit = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    void store.submitForm({
      name: text('name'),
      email: text('email'),
      fields: Object.fromEntries(fields.map((field) => [field.key, text(`field:${field.key}`)])),
    });
  };

  // Each input sits inside its <label>: the label's text is the field's accessible name.
  return (
    <form class="form" onSubmit={submit}>
      <p class="intro">Hi! Tell us who you are and we will be right with you.</p>
      <label class="field">
        Name
        <input name="name" type="text" autocomplete="name" maxLength={200} />
      </label>
      <label class="field">
        Email
        <input name="email" type="email" autocomplete="email" maxLength={320} />
      </label>
      {fields.map((field) => (
        <label class="field" key={field.key}>
          <span>
            {field.label}
            {field.required && (
              <span class="required" aria-hidden="true">
                {' *'}
              </span>
            )}
          </span>
          <input name={`field:${field.key}`} type="text" required={field.required} maxLength={MAX_ANSWER} />
        </label>
      ))}
      {store.error && (
        <p class="error" role="alert">
          {store.error}
        </p>
      )}
      <button type="submit" class="primary" disabled={store.busy}>
        Start chat
      </button>
    </form>
  );
}
