import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { NavLink, Route, Routes, useLocation } from 'react-router-dom';
import { Provider } from 'urql';

import { createApiClient } from './api';
import { LiveProvider, useLive, type LiveState } from './live';
import { BlockPage } from './pages/BlockPage';
import { BlocksPage } from './pages/BlocksPage';
import { ChaincodesPage } from './pages/ChaincodesPage';
import { DashboardPage } from './pages/DashboardPage';
import { LoginPage } from './pages/LoginPage';
import { NetworkPage } from './pages/NetworkPage';
import { NotFound } from './pages/NotFound';
import { TransactionPage } from './pages/TransactionPage';
import { clearSession, loadSession, saveSession, type Session } from './session';

/**
 * The explorer: a sign-in page until an ADMIN signs in, then the pages below, all fed by one
 * urql client (HTTP for queries, graphql-ws for the live subscriptions).
 */
export function App(): ReactNode {
  const [session, setSession] = useState<Session | null>(() => loadSession(window.localStorage, Date.now()));
  const [signedOutReason, setSignedOutReason] = useState<string | undefined>(undefined);
  const [socket, setSocket] = useState<LiveState['socket']>('closed');

  const signOut = useCallback((reason?: string) => {
    clearSession(window.localStorage);
    setSignedOutReason(reason);
    setSession(null);
  }, []);
  const token = session?.token ?? null;
  const api = useMemo(
    () => createApiClient({ token, onUnauthenticated: () => { signOut('Your session has expired: please sign in again.'); }, onSocketState: setSocket }),
    [token, signOut],
  );
  useEffect(() => () => { api.dispose(); }, [api]);

  // Sign out when the token expires, rather than on the next failing request.
  useEffect(() => {
    if (!session) return undefined;
    const timer = window.setTimeout(() => { signOut('Your session has expired: please sign in again.'); }, Math.max(0, Date.parse(session.expiresAt) - Date.now()));
    return () => { window.clearTimeout(timer); };
  }, [session, signOut]);

  return (
    <Provider value={api.client}>
      {session ? (
        <LiveProvider socket={socket}>
          <Shell session={session} onSignOut={() => { signOut(); }} />
        </LiveProvider>
      ) : (
        <LoginPage
          reason={signedOutReason}
          onSignedIn={(next) => {
            saveSession(window.localStorage, next);
            setSignedOutReason(undefined);
            setSession(next);
          }}
        />
      )}
    </Provider>
  );
}

const NAV: readonly (readonly [string, string])[] = [
  ['/', 'Dashboard'],
  ['/blocks', 'Blocks'],
  ['/chaincodes', 'Chaincodes'],
  ['/network', 'Network'],
];

function Shell({ session, onSignOut }: { readonly session: Session; readonly onSignOut: () => void }): ReactNode {
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // After a navigation, move focus to the new page (keyboard and screen-reader users start there).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="header-inner">
          <span className="brand">Ledger explorer</span>
          <nav aria-label="Main">
            <ul>
              {NAV.map(([to, label]) => (
                <li key={to}>
                  <NavLink to={to} end={to === '/'}>
                    {label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="account">
            <LiveIndicator />
            <span className="user">{session.username}</span>
            <button type="button" className="link-button" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Routes>
          <Route path="/" element={<DashboardPage />} />
          <Route path="/blocks" element={<BlocksPage />} />
          <Route path="/blocks/:number" element={<BlockPage />} />
          <Route path="/transactions/:id" element={<TransactionPage />} />
          <Route path="/chaincodes" element={<ChaincodesPage />} />
          <Route path="/network" element={<NetworkPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
      <footer className="site-footer">
        Times are UTC. Data from the gateway&apos;s read cache; peer heights from the peers themselves. <a href="/graphiql">GraphiQL</a>
      </footer>
    </>
  );
}

/** Whether live updates flow, and the newest block, announced politely to screen readers. */
function LiveIndicator(): ReactNode {
  const live = useLive();
  const label = live.socket === 'connected' ? 'Live' : live.socket === 'connecting' ? 'Connecting…' : 'Offline';
  return (
    <span className={`live live-${live.socket}`}>
      <span className="dot" aria-hidden="true" />
      {label}
      <span className="visually-hidden" role="status" aria-live="polite">
        {live.lastBlock ? `Block ${live.lastBlock.number} indexed with ${live.lastBlock.txCount} transactions` : ''}
      </span>
      {live.lastBlock && (
        <span className="last-block" aria-hidden="true">
          #{live.lastBlock.number}
        </span>
      )}
    </span>
  );
}
