/** Sign in (Email, Password, "Sign in") or create an account ("Create account"). */
import { useState } from 'preact/hooks';
import { describeError, publicApi } from './api.js';
import { Field } from './Field.js';
import type { Session } from './session.js';

export function SignIn(props: { notice: string | null; onSignedIn(session: Session): void }) {
  const [mode, setMode] = useState<'signin' | 'signup'>('signin');
  const [fullname, setFullname] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signup = mode === 'signup';

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = signup ? { fullname, email, password } : { email, password };
      props.onSignedIn(await publicApi().post<Session>(`/v1/auth/${signup ? 'signup' : 'login'}`, body));
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  }

  return (
    <main class="auth">
      <h1>Pingstreams</h1>
      <form class="card" onSubmit={submit}>
        <h2>{signup ? 'Create your account' : 'Sign in to the console'}</h2>
        {props.notice && !error && <p class="notice" role="status">{props.notice}</p>}
        {signup && <Field label="Full name" value={fullname} onInput={setFullname} autoComplete="name" required />}
        <Field label="Email" type="email" value={email} onInput={setEmail} autoComplete="email" required />
        <Field label="Password" type="password" value={password} onInput={setPassword} autoComplete={signup ? 'new-password' : 'current-password'} required minLength={signup ? 8 : undefined} />
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{signup ? 'Create account' : 'Sign in'}</button>
        {signup ? (
          <p>
            Already have an account?{' '}
            <a href="#" onClick={(e) => (e.preventDefault(), setMode('signin'), setError(null))}>Back to signing in</a>
          </p>
        ) : (
          <p>
            New here?{' '}
            <button type="button" class="link" onClick={() => (setMode('signup'), setError(null))}>Create account</button>
          </p>
        )}
      </form>
    </main>
  );
}
