import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation } from 'urql';

import { errorMessage } from '../api';
import { LOGIN, type LoginData } from '../queries';
import type { Session } from '../session';
import { PageTitle } from './PageTitle';

/** Username and password to a bearer token (the `login` mutation); only ADMIN users get in. */
export function LoginPage({ onSignedIn, reason }: { readonly onSignedIn: (session: Session) => void; readonly reason?: string | undefined }): ReactNode {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | undefined>(reason);
  const [state, login] = useMutation<LoginData, { username: string; password: string }>(LOGIN);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setProblem(undefined);
    const result = await login({ username, password });
    if (result.error || !result.data) {
      setProblem(result.error ? errorMessage(result.error) : 'The gateway gave no answer.');
      return;
    }
    const { token, expiresAt, user } = result.data.login;
    if (user.role !== 'ADMIN') {
      setProblem(`${user.username} is not an administrator: the explorer needs the ADMIN role.`);
      return;
    }
    onSignedIn({ token, expiresAt, username: user.username, role: user.role });
  };

  return (
    <main id="main" className="login" tabIndex={-1}>
      <form
        className="panel login-form"
        aria-labelledby="login-title"
        onSubmit={(event) => {
          void submit(event);
        }}
      >
        <PageTitle title="Sign in">
          <span id="login-title">Ledger explorer</span>
        </PageTitle>
        <p>Sign in with a gateway account that has the ADMIN role.</p>
        {problem && (
          <p className="notice notice-error" role="alert">
            {problem}
          </p>
        )}
        <label htmlFor="username">Username</label>
        <input id="username" name="username" autoComplete="username" required value={username} onChange={(event) => { setUsername(event.target.value); }} />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => { setPassword(event.target.value); }} />
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
