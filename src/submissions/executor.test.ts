import { EventEmitter } from 'node:events';

import type { Pool, PoolClient } from 'pg';

import { isDatabaseUnavailable } from '../http/errors';
import type { LedgerClient, LedgerIdentity } from '../ledger';
import { createSubmissionExecutor, RetryLater, SessionLost } from './executor';

/**
 * The executor's database session ending under a job (PostgreSQL restarted), with a fake pool at
 * the `pg` seam: node-postgres emits 'error' on the checked-out client (57P01), and every later
 * query on it fails with "Client has encountered a connection error and is not queryable".
 */
const terminated = (): Error => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

interface FakeSession {
  readonly pool: Pool;
  readonly released: unknown[];
  readonly listeners: () => number;
}

/** A pool of one client that grants the advisory lock, then loses its session at the first other query. */
function fakeSession(options: { lockGranted: boolean; dies: boolean }): FakeSession {
  const released: unknown[] = [];
  const client = Object.assign(new EventEmitter(), {
    query(sql: string): Promise<{ rows: unknown[] }> {
      if (sql.includes('pg_try_advisory_lock')) return Promise.resolve({ rows: [{ locked: options.lockGranted }] });
      if (sql.includes('pg_advisory_unlock')) return Promise.resolve({ rows: [{}] });
      if (!options.dies) return Promise.resolve({ rows: [] });
      client.emit('error', terminated());
      return Promise.reject(new Error('Client has encountered a connection error and is not queryable'));
    },
    release(error?: unknown): void {
      released.push(error);
    },
  });
  const pool = { connect: () => Promise.resolve(client as unknown as PoolClient) } as unknown as Pool;
  return { pool, released, listeners: () => client.listenerCount('error') };
}

const ledger: LedgerClient = {
  submit: () => Promise.reject(new Error('not used')),
  evaluate: () => Promise.reject(new Error('not used')),
  close: () => Promise.resolve(),
};

const executorOn = (pool: Pool): ReturnType<typeof createSubmissionExecutor> =>
  createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve({} as LedgerIdentity), inflightGraceMs: 1000 });

describe('the submission executor when its database session ends', () => {
  it('throws SessionLost with the session error as cause, which the API answers as DATABASE_UNAVAILABLE', async () => {
    const session = fakeSession({ lockGranted: true, dies: true });
    const error: unknown = await executorOn(session.pool).execute('00000000-0000-4000-8000-000000000001', { final: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionLost);
    expect((error as SessionLost).cause).toMatchObject({ code: '57P01' });
    expect(isDatabaseUnavailable(error)).toBe(true);
    // The broken client is discarded (released with its error), not handed back to the pool, and no listener is left on it.
    expect(session.released).toHaveLength(1);
    expect(session.released[0]).toMatchObject({ code: '57P01' });
    expect(session.listeners()).toBe(0);
  });

  it('keeps RetryLater as it is when another executor holds the submission', async () => {
    const session = fakeSession({ lockGranted: false, dies: false });
    await expect(executorOn(session.pool).execute('00000000-0000-4000-8000-000000000002', { final: false })).rejects.toBeInstanceOf(RetryLater);
    expect(session.released).toEqual([undefined]);
  });
});
