/** One member: role and capacity (PATCH …/agents/:agentId), presence, open conversations, removal. */
import { useEffect, useId, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { useConsole } from './context.js';
import type { Member, Role } from './types.js';

export function MemberRow({ member, onChanged }: { member: Member; onChanged(): void }) {
  const { api, base, me, project } = useConsole();
  const [capacity, setCapacity] = useState(member.maxConcurrent === null ? '' : String(member.maxConcurrent));
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [removing, setRemoving] = useState(false);
  const ids = { role: useId(), capacity: useId() };
  useEffect(() => setCapacity(member.maxConcurrent === null ? '' : String(member.maxConcurrent)), [member.maxConcurrent]);

  const change = (body: { role?: Role; maxConcurrent?: number | null }) =>
    api.patch(`${base}/agents/${member.id}`, body).then(
      () => (setMessage({ text: 'Saved.', error: false }), onChanged()),
      (err) => setMessage({ text: describeError(err), error: true }),
    );
  const saveCapacity = () => {
    const value = capacity.trim() === '' ? null : Number(capacity);
    if (value === member.maxConcurrent) return;
    if (value !== null && (!Number.isInteger(value) || value < 0)) return setMessage({ text: 'Capacity is a whole number (0 = no limit), or empty for the project default.', error: true });
    void change({ maxConcurrent: value });
  };
  const remove = () =>
    api.del(`${base}/agents/${member.id}`).then(onChanged, (err) => setMessage({ text: describeError(err), error: true }));

  return (
    <li class="card member">
      <div class="who">
        <strong>{member.fullname}</strong> {member.id === me.id && <span class="muted">(you)</span>}
        <span class="muted"> {member.email}</span>
        <span class={`presence-dot ${member.presence}`}> {member.presence}</span>
        <span class="muted"> · {member.openConversations} open</span>
      </div>
      <div class="member-settings">
        <div class="field">
          <label for={ids.role}>Role</label>
          <select id={ids.role} aria-label={`Role of ${member.fullname}`} value={member.role} disabled={project.role !== 'owner' && member.role === 'owner'} onChange={(e) => void change({ role: (e.target as HTMLSelectElement).value as Role })}>
            <option value="owner" disabled={project.role !== 'owner'}>Owner</option>
            <option value="admin">Admin</option>
            <option value="agent">Agent</option>
          </select>
        </div>
        <div class="field">
          <label for={ids.capacity}>Capacity</label>
          <input id={ids.capacity} aria-label={`Capacity of ${member.fullname}`} type="number" min={0} placeholder="project default" value={capacity} onInput={(e) => setCapacity((e.target as HTMLInputElement).value)} onBlur={saveCapacity} onKeyDown={(e) => e.key === 'Enter' && saveCapacity()} />
        </div>
        {removing ? (
          <span class="actions">
            <button type="button" class="danger" onClick={remove}>Confirm removal</button>
            <button type="button" onClick={() => setRemoving(false)}>Cancel</button>
          </span>
        ) : (
          <button type="button" onClick={() => setRemoving(true)} aria-label={`Remove ${member.fullname} from the project`}>Remove</button>
        )}
      </div>
      {message && <p class={message.error ? 'error' : 'muted'} role={message.error ? 'alert' : 'status'}>{message.text}</p>}
    </li>
  );
}
