/**
 * The signed-in admin: the bearer token from the `login` mutation, kept in localStorage so that a
 * block opened in a new tab needs no second login. A token past its `expiresAt` is dropped.
 */
export interface Session {
  readonly token: string;
  readonly expiresAt: string;
  readonly username: string;
  readonly role: string;
}

const STORAGE_KEY = 'ledger-explorer.session';

/** The part of the Web Storage API used here (localStorage in the browser, a Map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return ['token', 'expiresAt', 'username', 'role'].every((key) => typeof record[key] === 'string');
}

export function loadSession(store: KeyValueStore, now: number): Session | null {
  const text = store.getItem(STORAGE_KEY);
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!isSession(parsed) || Date.parse(parsed.expiresAt) <= now) {
    store.removeItem(STORAGE_KEY);
    return null;
  }
  return parsed;
}

export function saveSession(store: KeyValueStore, session: Session): void {
  store.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(store: KeyValueStore): void {
  store.removeItem(STORAGE_KEY);
}
