/** The console's top level: sign in, then pick a project, then work in it. */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api.js';
import { ProjectPicker } from './ProjectPicker.js';
import { clearSession, loadSession, saveProjectId, saveSession, tokenExpiry, type Session } from './session.js';
import { SignIn } from './SignIn.js';
import type { MyProject } from './types.js';
import { Workspace } from './Workspace.js';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [project, setProject] = useState<MyProject | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((why: string | null) => {
    clearSession();
    setProject(null);
    setSession(null);
    setNotice(why);
  }, []);
  const authLost = useCallback(() => signOut('Your session has ended. Please sign in again.'), [signOut]);

  // A token expires while the page is open: back to sign in at that moment.
  useEffect(() => {
    if (!session) return;
    const left = (tokenExpiry(session.token) ?? 0) * 1000 - Date.now();
    const timer = setTimeout(authLost, Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [session, authLost]);

  const api = useMemo(() => (session ? createApi(session.token, authLost) : null), [session, authLost]);

  if (!session || !api) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(next) => {
          saveSession(next);
          setNotice(null);
          setSession(next);
        }}
      />
    );
  }
  if (!project) {
    return <ProjectPicker api={api} me={session.agent} onPick={setProject} onSignOut={() => signOut(null)} />;
  }
  return (
    <Workspace
      key={project.id}
      session={session}
      api={api}
      project={project}
      onAuthLost={authLost}
      onSwitchProject={() => {
        saveProjectId(null);
        setProject(null);
      }}
      onSignOut={() => signOut(null)}
    />
  );
}
