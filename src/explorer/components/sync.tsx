import type { ReactNode } from 'react';

import { formatAge, formatCount, formatLagSeconds } from '../format';
import type { SyncStatus } from '../queries';
import { Badge, DataTable, type Column } from './common';

/** Per channel: how far the cache is behind the peers, who writes it, and its last error. */
export function SyncTable({ rows, now }: { readonly rows: readonly SyncStatus[]; readonly now: number }): ReactNode {
  const columns: readonly Column<SyncStatus>[] = [
    { header: 'Channel', rowHeader: true, cell: (row) => row.channel },
    { header: 'Indexed height', numeric: true, cell: (row) => formatCount(row.indexedHeight) },
    { header: 'Peer height', numeric: true, cell: (row) => formatCount(row.peerHeight) },
    {
      header: 'Lag',
      numeric: true,
      cell: (row) => (
        <>
          {row.lagBlocks === null ? '—' : `${formatCount(row.lagBlocks)} blocks`}
          <span className="sub">{formatLagSeconds(row.lagSeconds)}</span>
        </>
      ),
    },
    { header: 'State', cell: (row) => <SyncState row={row} /> },
    { header: 'Lock holder', cell: (row) => row.lockHolder ?? <Badge tone="warn">No worker</Badge> },
    { header: 'Updated', cell: (row) => formatAge(row.updatedAt, now) },
  ];
  return <DataTable caption="Sync status" hideCaption columns={columns} rows={rows} rowKey={(row) => row.channel} />;
}

function SyncState({ row }: { readonly row: SyncStatus }): ReactNode {
  if (row.lastError) {
    return (
      <>
        <Badge tone="bad">Stopped</Badge>
        <span className="sub">{row.lastError}</span>
      </>
    );
  }
  if (row.lagBlocks !== null && BigInt(row.lagBlocks) > 0n) return <Badge tone="warn">Catching up</Badge>;
  return <Badge tone="good">In step</Badge>;
}
