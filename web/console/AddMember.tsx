/** Add an agent (POST …/agents): a new account, or an existing one by its email. */
import { useId, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { useConsole } from './context.js';
import { Field } from './Field.js';

export function AddMember({ onAdded }: { onAdded(): void }) {
  const { api, base } = useConsole();
  const [form, setForm] = useState({ email: '', fullname: '', password: '', role: 'agent' as 'agent' | 'admin' });
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const roleId = useId();
  const set = (change: Partial<typeof form>) => setForm((f) => ({ ...f, ...change }));

  async function add(event: Event) {
    event.preventDefault();
    setMessage(null);
    try {
      await api.post(`${base}/agents`, form);
      setMessage({ text: `${form.fullname} was added.`, error: false });
      setForm({ email: '', fullname: '', password: '', role: 'agent' });
      onAdded();
    } catch (err) {
      setMessage({ text: describeError(err), error: true });
    }
  }

  return (
    <section aria-labelledby="add-member">
      <h3 id="add-member">Add an agent</h3>
      <form class="card" onSubmit={add}>
        <Field label="Email" type="email" value={form.email} onInput={(email) => set({ email })} required />
        <Field label="Full name" value={form.fullname} onInput={(fullname) => set({ fullname })} required />
        <Field label="Password" type="password" value={form.password} onInput={(password) => set({ password })} required minLength={8} autoComplete="new-password" hint="At least 8 characters; an existing account keeps its own." />
        <div class="field">
          <label for={roleId}>Role</label>
          <select id={roleId} value={form.role} onChange={(e) => set({ role: (e.target as HTMLSelectElement).value as 'agent' | 'admin' })}>
            <option value="agent">Agent</option>
            <option value="admin">Admin</option>
          </select>
        </div>
        <button type="submit" class="primary">Add agent</button>
        {message && <p class={message.error ? 'error' : 'muted'} role={message.error ? 'alert' : 'status'}>{message.text}</p>}
      </form>
    </section>
  );
}
