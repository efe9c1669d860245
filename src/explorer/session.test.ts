import { clearSession, loadSession, saveSession, type KeyValueStore, type Session } from './session';

function memoryStore(): KeyValueStore & { readonly items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
    removeItem: (key) => {
      items.delete(key);
    },
  };
}

const session: Session = { token: 'jwt', expiresAt: '2026-11-23T16:00:00Z', username: 'admin', role: 'ADMIN' };

describe('explorer session', () => {
  it('keeps a session until it expires, then forgets it', () => {
    const store = memoryStore();
    saveSession(store, session);
    expect(loadSession(store, Date.parse('2026-11-23T15:59:59Z'))).toEqual(session);
    expect(loadSession(store, Date.parse('2026-11-23T16:00:00Z'))).toBeNull();
    expect(store.items.size).toBe(0);
  });

  it('ignores and removes what is not a session', () => {
    const store = memoryStore();
    store.setItem('ledger-explorer.session', '{"token":1}');
    expect(loadSession(store, 0)).toBeNull();
    store.setItem('ledger-explorer.session', 'not json');
    expect(loadSession(store, 0)).toBeNull();
    expect(store.items.size).toBe(0);
  });

  it('clears on sign-out', () => {
    const store = memoryStore();
    saveSession(store, session);
    clearSession(store);
    expect(loadSession(store, 0)).toBeNull();
  });
});
