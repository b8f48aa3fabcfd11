/** Pick one of the agent's projects, or create the first one. The last pick is remembered. */
import { useEffect, useState } from 'preact/hooks';
import { describeError, type Api } from './api.js';
import { Field } from './Field.js';
import { loadProjectId, saveProjectId } from './session.js';
import type { Agent, MyProject, Project } from './types.js';

export function ProjectPicker(props: { api: Api; me: Agent; onPick(project: MyProject): void; onSignOut(): void }) {
  const { api, onPick } = props;
  const [projects, setProjects] = useState<MyProject[] | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);

  const pick = (project: MyProject) => {
    saveProjectId(project.id);
    onPick(project);
  };

  useEffect(() => {
    api
      .get<{ data: MyProject[] }>('/v1/projects')
      .then(({ data }) => {
        const remembered = data.find((p) => p.id === loadProjectId());
        const only = data.length === 1 ? data[0] : undefined;
        if (remembered ?? only) pick((remembered ?? only)!);
        else setProjects(data);
      })
      .catch((err) => setError(describeError(err)));
  }, [api]);

  async function create(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      const project = await api.post<Project>('/v1/projects', { name });
      pick({ ...project, role: 'owner' });
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <main class="auth">
      <h1>Pingstreams</h1>
      <section class="card">
        <h2>Hello, {props.me.fullname}</h2>
        {projects === null && !error && <p role="status">Loading your projects…</p>}
        {projects && projects.length > 0 && (
          <nav aria-label="Your projects">
            <p>Pick a project:</p>
            <ul class="plain">
              {projects.map((p) => (
                <li key={p.id}>
                  <button type="button" onClick={() => pick(p)}>{p.name}</button> <small>{p.role}</small>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {projects && (
          <form onSubmit={create}>
            <p>{projects.length === 0 ? 'You are not in any project yet. Create the first one:' : 'Or create a new one:'}</p>
            <Field label="Project name" value={name} onInput={setName} required />
            <button type="submit" class="primary">Create project</button>
          </form>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        <p>
          <button type="button" class="link" onClick={props.onSignOut}>Sign out</button>
        </p>
      </section>
    </main>
  );
}
