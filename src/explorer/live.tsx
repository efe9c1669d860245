import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useQuery, useSubscription, type AnyVariables, type CombinedError } from 'urql';

import { BLOCK_INDEXED, NETWORK_CHANGED, type BlockIndexedData, type NetworkChangedData, type NetworkStatus } from './queries';

/**
 * Live updates for every page, from two subscriptions held while an admin is signed in:
 * `blockIndexed` (a block of the gateway's channel is in the cache) and `networkChanged` (a peer's
 * reachability, height or divergence changed). Pages re-run their queries when a sequence number
 * here moves, so nothing is reloaded by hand.
 */
export interface LiveState {
  /** Increases with every indexed block. */
  readonly blockSeq: number;
  readonly lastBlock: BlockIndexedData['blockIndexed'] | null;
  /** Increases with every network change. */
  readonly networkSeq: number;
  readonly network: NetworkStatus | null;
  readonly socket: 'connecting' | 'connected' | 'closed';
}

const LiveContext = createContext<LiveState>({ blockSeq: 0, lastBlock: null, networkSeq: 0, network: null, socket: 'closed' });

export function useLive(): LiveState {
  return useContext(LiveContext);
}

export function LiveProvider({ socket, children }: { readonly socket: LiveState['socket']; readonly children: ReactNode }): ReactNode {
  const [blocks] = useSubscription<BlockIndexedData, { seq: number; last: BlockIndexedData['blockIndexed'] | null }>(
    { query: BLOCK_INDEXED },
    (previous, data) => ({ seq: (previous?.seq ?? 0) + 1, last: data.blockIndexed }),
  );
  const [network] = useSubscription<NetworkChangedData, { seq: number; last: NetworkStatus }>(
    { query: NETWORK_CHANGED },
    (previous, data) => ({ seq: (previous?.seq ?? 0) + 1, last: data.networkChanged }),
  );
  const value: LiveState = {
    blockSeq: blocks.data?.seq ?? 0,
    lastBlock: blocks.data?.last ?? null,
    networkSeq: network.data?.seq ?? 0,
    network: network.data?.last ?? null,
    socket,
  };
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export interface LiveQuery<Data> {
  /** The newest result; kept while a refresh is in flight, so the page does not flicker. */
  readonly data: Data | undefined;
  readonly error: CombinedError | undefined;
  readonly fetching: boolean;
}

/**
 * `useQuery` that re-runs (at most every `minGapMs`) whenever `refreshKey` changes, e.g. the
 * block sequence from `useLive()`, and keeps showing the previous result meanwhile.
 */
export function useLiveQuery<Data>(query: string, variables: AnyVariables, refreshKey: number, minGapMs = 500): LiveQuery<Data> {
  const [result, reexecute] = useQuery<Data>({ query, variables });
  const kept = useRef<Data | undefined>(undefined);
  if (result.data !== undefined) kept.current = result.data;
  const lastRun = useRef(0);
  useEffect(() => {
    if (refreshKey === 0) return undefined;
    const wait = Math.max(0, lastRun.current + minGapMs - Date.now());
    const timer = window.setTimeout(() => {
      lastRun.current = Date.now();
      reexecute({ requestPolicy: 'network-only' });
    }, wait);
    return () => {
      window.clearTimeout(timer);
    };
  }, [refreshKey, minGapMs, reexecute]);
  return { data: result.data ?? kept.current, error: result.error, fetching: result.fetching };
}

/** The current time, refreshed every `everyMs` and whenever `refreshKey` changes. */
export function useNow(refreshKey: number, everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    const timer = window.setInterval(() => {
      setNow(Date.now());
    }, everyMs);
    return () => {
      window.clearInterval(timer);
    };
  }, [refreshKey, everyMs]);
  return now;
}
