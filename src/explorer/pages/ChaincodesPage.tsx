import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';

import { Badge, DataState, DataTable, type Column } from '../components/common';
import { formatAge, formatCount } from '../format';
import { useLive, useLiveQuery, useNow } from '../live';
import { CHAINCODES, type ChaincodeInfo, type ChaincodesData } from '../queries';
import { PageTitle } from './PageTitle';

/** Committed chaincode definitions (from _lifecycle) with their activity in the cache. */
export function ChaincodesPage(): ReactNode {
  const live = useLive();
  const now = useNow(live.blockSeq);
  const { data, error, fetching } = useLiveQuery<ChaincodesData>(CHAINCODES, {}, live.blockSeq, 2000);
  return (
    <>
      <PageTitle>Chaincodes</PageTitle>
      <DataState error={error} loading={fetching && !data} label="chaincodes" />
      {data && data.chaincodes.length === 0 && <p>No chaincode is committed on the channels this gateway indexes.</p>}
      {data && data.chaincodes.length > 0 && (
        <DataTable caption="Committed chaincode definitions" hideCaption columns={chaincodeColumns(now)} rows={data.chaincodes} rowKey={(cc) => `${cc.channel}/${cc.name}`} />
      )}
    </>
  );
}

function chaincodeColumns(now: number): readonly Column<ChaincodeInfo>[] {
  return [
    { header: 'Chaincode', rowHeader: true, cell: (cc) => <>{cc.name} {cc.initRequired && <Badge tone="neutral">init required</Badge>}</> },
    { header: 'Channel', cell: (cc) => cc.channel },
    { header: 'Version', cell: (cc) => cc.version },
    { header: 'Sequence', numeric: true, cell: (cc) => cc.sequence },
    { header: 'Endorsement policy', cell: (cc) => <code className="policy">{cc.endorsementPolicy ?? 'channel default'}</code> },
    { header: 'Transactions', numeric: true, cell: (cc) => formatCount(cc.transactionCount) },
    {
      header: 'Last activity',
      cell: (cc) => (
        <>
          {formatAge(cc.lastActivity, now)}
          {cc.lastBlock !== null && (
            <span className="sub">
              <Link to={`/blocks/${cc.lastBlock}`}>block #{cc.lastBlock}</Link>
            </span>
          )}
        </>
      ),
    },
  ];
}
