import type { ReactNode } from 'react';

import { formatAge, formatCount, peerLag } from '../format';
import type { NodeHealth, PeerInfo } from '../queries';
import { Badge, DataTable, type Column } from './common';

/**
 * Every peer on every channel with the height it reported itself; a diverged peer (behind the
 * highest peer for longer than the gateway's threshold) gets its row marked and the word
 * "Diverged", not only a colour.
 */
export function PeerTable({ peers, now, caption = 'Peer ledger heights' }: { readonly peers: readonly PeerInfo[]; readonly now: number; readonly caption?: string }): ReactNode {
  const lag = peerLag(peers);
  const diverged = peers.filter((peer) => peer.diverged).length;
  return (
    <>
      {diverged > 0 && (
        <p className="notice notice-error" role="alert">
          {diverged === 1 ? '1 peer has' : `${diverged} peers have`} diverged from the highest peer.
        </p>
      )}
      <DataTable
        caption={caption}
        hideCaption
        columns={peerColumns(lag, now)}
        rows={peers}
        rowKey={(peer) => `${peer.name}/${peer.channel}`}
        rowProps={(peer) => ({ className: peer.diverged ? 'row-diverged' : undefined, 'data-peer': peer.name })}
      />
    </>
  );
}

function peerColumns(lag: Map<PeerInfo, bigint | null>, now: number): readonly Column<PeerInfo>[] {
  return [
    {
      header: 'Peer',
      rowHeader: true,
      cell: (peer) => (
        <>
          {peer.name}
          <span className="sub">{peer.url}</span>
        </>
      ),
    },
    { header: 'Organisation', cell: (peer) => peer.mspId },
    { header: 'Channel', cell: (peer) => peer.channel },
    { header: 'Height', numeric: true, cell: (peer) => formatCount(peer.ledgerHeight) },
    { header: 'Behind', numeric: true, cell: (peer) => formatCount(lag.get(peer)) },
    { header: 'State', cell: (peer) => <PeerState peer={peer} now={now} /> },
    { header: 'Response', numeric: true, cell: (peer) => (peer.responseMs === null ? '—' : `${peer.responseMs} ms`) },
    { header: 'Last seen', cell: (peer) => formatAge(peer.lastSeen, now) },
  ];
}

function PeerState({ peer, now }: { readonly peer: PeerInfo; readonly now: number }): ReactNode {
  return (
    <span className="states">
      {peer.reachable ? <Badge tone="good">Up</Badge> : <Badge tone="bad">Unreachable</Badge>}
      {peer.diverged && <Badge tone="warn">Diverged{peer.laggingSince ? ` since ${formatAge(peer.laggingSince, now).replace(' ago', '')}` : ''}</Badge>}
      {peer.error && <span className="sub">{peer.error}</span>}
    </span>
  );
}

export function NodeHealthTable({ caption, nodes, now }: { readonly caption: string; readonly nodes: readonly NodeHealth[]; readonly now: number }): ReactNode {
  const columns: readonly Column<NodeHealth>[] = [
    { header: 'Node', rowHeader: true, cell: (node) => node.name },
    { header: 'Operations endpoint', cell: (node) => <code>{node.url}</code> },
    { header: 'Health', cell: (node) => (node.healthy ? <Badge tone="good">Healthy</Badge> : <Badge tone="bad">Unhealthy</Badge>) },
    { header: 'Status', cell: (node) => node.status },
    { header: 'Checked', cell: (node) => formatAge(node.checkedAt, now) },
  ];
  return <DataTable caption={caption} hideCaption columns={columns} rows={nodes} rowKey={(node) => node.name} />;
}
