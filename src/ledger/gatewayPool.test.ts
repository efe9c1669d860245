import { AppError, ErrorCode } from '../common/errors';
import { createGatewayPool, createRediscovery, type PoolFactory } from './gatewayPool';
import { mapEndorsementError, needsRediscovery } from './ledgerErrors';

interface FakeGateway {
  readonly key: string;
  readonly serial: number;
  disconnected: boolean;
}

function fakeFactory(): PoolFactory<string, FakeGateway> & { created: FakeGateway[]; destroyed: FakeGateway[]; failNext: boolean } {
  const f = {
    created: [] as FakeGateway[],
    destroyed: [] as FakeGateway[],
    failNext: false,
    create(key: string): Promise<FakeGateway> {
      if (f.failNext) {
        f.failNext = false;
        return Promise.reject(new Error('connect failed'));
      }
      const g = { key, serial: f.created.length, disconnected: false };
      f.created.push(g);
      return Promise.resolve(g);
    },
    destroy(g: FakeGateway): void {
      g.disconnected = true;
      f.destroyed.push(g);
    },
  };
  return f;
}

describe('gateway pool', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => {
    clock = 0;
  });

  test('one gateway per identity, reused', async () => {
    const f = fakeFactory();
    const pool = createGatewayPool(f, { maxSize: 10, idleMs: 1000 }, now);
    const a1 = await pool.acquire('a', 'a');
    a1.release();
    const a2 = await pool.acquire('a', 'a');
    expect(a2.gateway).toBe(a1.gateway);
    const [c1, c2] = await Promise.all([pool.acquire('c', 'c'), pool.acquire('c', 'c')]);
    expect(c1.gateway).toBe(c2.gateway);
    expect(f.created.map((g) => g.key)).toEqual(['a', 'c']);
  });

  test('bounded: the least recently used is evicted and disconnected', async () => {
    const f = fakeFactory();
    const pool = createGatewayPool(f, { maxSize: 2, idleMs: 60_000 }, now);
    (await pool.acquire('a', 'a')).release();
    (await pool.acquire('b', 'b')).release();
    (await pool.acquire('a', 'a')).release(); // a is now more recent than b
    (await pool.acquire('c', 'c')).release();
    expect(pool.keys()).toEqual(['a', 'c']);
    expect(f.destroyed.map((g) => g.key)).toEqual(['b']);
  });

  test('an evicted gateway in use is disconnected only when its last lease is released', async () => {
    const f = fakeFactory();
    const pool = createGatewayPool(f, { maxSize: 1, idleMs: 60_000 }, now);
    const a = await pool.acquire('a', 'a');
    (await pool.acquire('b', 'b')).release();
    expect(pool.keys()).toEqual(['b']);
    expect(a.gateway.disconnected).toBe(false);
    a.release();
    a.release(); // twice is harmless
    expect(a.gateway.disconnected).toBe(true);
    expect(f.destroyed).toHaveLength(1);
  });

  test('idle entries expire; entries in use do not', async () => {
    const f = fakeFactory();
    const pool = createGatewayPool(f, { maxSize: 10, idleMs: 1000 }, now);
    (await pool.acquire('idle', 'idle')).release();
    const busy = await pool.acquire('busy', 'busy');
    clock += 999;
    pool.sweep();
    expect(pool.size()).toBe(2);
    clock += 1;
    pool.sweep();
    expect(pool.keys()).toEqual(['busy']);
    expect(f.destroyed.map((g) => g.key)).toEqual(['idle']);
    busy.release();
    clock += 1000;
    pool.sweep();
    expect(pool.size()).toBe(0);
    // Used again after expiry: a new connection.
    const again = await pool.acquire('idle', 'idle');
    expect(again.gateway.serial).toBe(2);
  });

  test('a failed connection is not cached', async () => {
    const f = fakeFactory();
    const pool = createGatewayPool(f, { maxSize: 10, idleMs: 1000 }, now);
    f.failNext = true;
    await expect(pool.acquire('a', 'a')).rejects.toThrow('connect failed');
    expect(pool.size()).toBe(0);
    const a = await pool.acquire('a', 'a');
    expect(a.gateway.key).toBe('a');
  });

  test('discard and close disconnect everything', async () => {
    const f = fakeFactory();
    const pool = createGatewayPool(f, { maxSize: 10, idleMs: 1000 }, now);
    (await pool.acquire('a', 'a')).release();
    (await pool.acquire('b', 'b')).release();
    pool.discard('a');
    expect(pool.keys()).toEqual(['b']);
    pool.close();
    expect(f.destroyed.map((g) => g.key)).toEqual(['a', 'b']);
    await expect(pool.acquire('a', 'a')).rejects.toThrow(/closed/);
  });
});

/**
 * What fabric-common's discovery handler throws when the connection's channel lacks an
 * organisation's peers (they failed their first connect during a partition): "Endorsement has
 * failed", one endorsement made, the other group with "No endorsement available".
 */
function noEndorsersError(): AppError {
  const sdkError = Object.assign(new Error('Endorsement has failed'), {
    endorsements: [{ response: { status: 200, message: '' }, endorsement: {}, connection: { name: 'peer0.org1.example.com:7051' } }, new Error('No endorsement available')],
  });
  return mapEndorsementError(sdkError, { phase: 'endorse', transactionId: 'tx1' });
}

describe('rediscovery after "no endorsers known"', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => {
    clock = 0;
  });

  const setup = (): { f: ReturnType<typeof fakeFactory>; pool: ReturnType<typeof createGatewayPool<string, FakeGateway>>; rediscovery: ReturnType<typeof createRediscovery> } => {
    const f = fakeFactory();
    const pool = createGatewayPool(f, { maxSize: 10, idleMs: 600_000 }, now);
    return { f, pool, rediscovery: createRediscovery({ pool, isStale: needsRediscovery, minIntervalMs: 10_000, now }) };
  };

  test('the stale connection is dropped once its attempt ends, and the next attempt gets a new one', async () => {
    const { f, pool, rediscovery } = setup();
    const stale = await pool.acquire('alice', 'alice');
    const error = noEndorsersError();
    // The code a client sees is unchanged by the rebuild.
    expect(error.code).toBe(ErrorCode.LEDGER_UNAVAILABLE);
    expect(rediscovery.afterFailure('alice', error)).toBe(true);
    // Still leased by the failing attempt: not disconnected under it.
    expect(stale.gateway.disconnected).toBe(false);
    stale.release();
    expect(stale.gateway.disconnected).toBe(true);
    const fresh = await pool.acquire('alice', 'alice');
    expect(fresh.gateway).not.toBe(stale.gateway);
    expect(f.created.map((g) => g.key)).toEqual(['alice', 'alice']);
  });

  test('bounded: at most one rebuild per identity within the interval, each identity on its own', async () => {
    const { f, pool, rediscovery } = setup();
    (await pool.acquire('alice', 'alice')).release();
    (await pool.acquire('bob', 'bob')).release();
    expect(rediscovery.afterFailure('alice', noEndorsersError())).toBe(true);
    (await pool.acquire('alice', 'alice')).release();
    clock += 9_999;
    // Still cut off: the connection made a moment ago is kept, no reconnect per failure.
    expect(rediscovery.afterFailure('alice', noEndorsersError())).toBe(false);
    expect(rediscovery.afterFailure('bob', noEndorsersError())).toBe(true);
    expect(f.destroyed.map((g) => g.key)).toEqual(['alice', 'bob']);
    clock += 1;
    expect(rediscovery.afterFailure('alice', noEndorsersError())).toBe(true);
    expect(f.destroyed.map((g) => g.serial)).toEqual([0, 1, 2]);
    expect(pool.keys()).toEqual([]);
  });

  test('other failures keep the connection', async () => {
    const { f, pool, rediscovery } = setup();
    (await pool.acquire('alice', 'alice')).release();
    const timedOut = mapEndorsementError(Object.assign(new Error('Endorsement has failed'), { endorsements: [new Error('REQUEST TIMEOUT')] }), { phase: 'endorse' });
    const refused = new AppError(ErrorCode.ASSET_EXISTS, 'ASSET_EXISTS: asset a1 already exists', { phase: 'endorse', mayCommit: false });
    const ordering = new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'no orderer accepted the transaction', { phase: 'order', mayCommit: false, ordererError: 'No endorsement available' });
    for (const error of [timedOut, refused, ordering, new Error('No endorsement available')]) expect(rediscovery.afterFailure('alice', error)).toBe(false);
    expect(f.destroyed).toEqual([]);
    expect(pool.keys()).toEqual(['alice']);
  });
});
