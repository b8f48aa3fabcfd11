/** The project's routing mode and default capacity (PATCH /v1/projects/:id). */
import { useId, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { useConsole } from './context.js';
import type { Project } from './types.js';
import { useLoad } from './use-load.js';

export function RoutingSettings() {
  const { api, base } = useConsole();
  const project = useLoad(() => api.get<Project>(base), []);
  return project.value ? <RoutingForm project={project.value} /> : <p role="status">{project.error ?? 'Loading…'}</p>;
}

function RoutingForm({ project }: { project: Project }) {
  const { api, base } = useConsole();
  const [routing, setRouting] = useState(project.routing);
  const [capacity, setCapacity] = useState(String(project.defaultMaxConcurrent));
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const ids = { routing: useId(), capacity: useId() };

  async function save(event: Event) {
    event.preventDefault();
    setMessage(null);
    try {
      await api.patch<Project>(base, { routing, defaultMaxConcurrent: Number(capacity) });
      setMessage({ text: 'Settings saved.', error: false });
    } catch (err) {
      setMessage({ text: describeError(err), error: true });
    }
  }

  return (
    <section aria-labelledby="routing-title">
      <h3 id="routing-title">Routing</h3>
      <form class="card" onSubmit={save}>
        <div class="field">
          <label for={ids.routing}>Routing mode</label>
          <select id={ids.routing} value={routing} onChange={(e) => setRouting((e.target as HTMLSelectElement).value as Project['routing'])}>
            <option value="auto">Automatic</option>
            <option value="pooled">Pooled</option>
          </select>
          <small>{routing === 'auto' ? 'Each new conversation goes to the least busy online agent with room.' : 'Conversations wait in the queue until an agent joins one.'}</small>
        </div>
        <div class="field">
          <label for={ids.capacity}>Default capacity</label>
          <input id={ids.capacity} type="number" min={0} max={100000} required value={capacity} onInput={(e) => setCapacity((e.target as HTMLInputElement).value)} />
          <small>Open conversations per agent at once; 0 means no limit.</small>
        </div>
        <button type="submit" class="primary">Save settings</button>
        {message && <p class={message.error ? 'error' : 'muted'} role={message.error ? 'alert' : 'status'}>{message.text}</p>}
      </form>
    </section>
  );
}
