import { useMemo, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router-dom';

import { DataState, DataTable, type Column } from '../components/common';
import { formatAge, formatCount, formatTime, shortHash } from '../format';
import { useLive, useLiveQuery, useNow } from '../live';
import { BLOCKS, type BlockSummary, type BlocksData, type PageInfo, type PageVariables } from '../queries';
import { PageTitle } from './PageTitle';

const PAGE_SIZE = 20;

/**
 * Blocks, newest first, 20 a page; the cursor is in the address (`?after=` / `?before=`) so a
 * page can be bookmarked. The first page follows new blocks live.
 */
export function BlocksPage(): ReactNode {
  const [params] = useSearchParams();
  const after = params.get('after');
  const before = params.get('before');
  const variables = useMemo<PageVariables>(() => {
    if (before) return { last: PAGE_SIZE, before };
    return after ? { first: PAGE_SIZE, after } : { first: PAGE_SIZE };
  }, [after, before]);
  const live = useLive();
  const now = useNow(live.blockSeq);
  const firstPage = !after && !before;
  const { data, error, fetching } = useLiveQuery<BlocksData>(BLOCKS, variables, firstPage ? live.blockSeq : 0);
  const page = data?.blocks;

  return (
    <>
      <PageTitle>Blocks</PageTitle>
      <DataState error={error} loading={fetching && !data} label="blocks" />
      {page && (
        <>
          <p>
            {formatCount(page.totalCount)} blocks indexed.{firstPage ? ' New blocks appear here as they are indexed.' : ''}
          </p>
          <DataTable
            caption="Blocks, newest first"
            hideCaption
            columns={blockColumns(now)}
            rows={page.edges.map((edge) => edge.node)}
            rowKey={(block) => `${block.channel}/${block.number}`}
            rowProps={(block) => ({ className: firstPage && block.number === live.lastBlock?.number ? 'row-fresh' : undefined, 'data-block': block.number })}
          />
          <Pager pageInfo={page.pageInfo} direction={before ? 'backward' : after ? 'forward' : 'first'} />
        </>
      )}
    </>
  );
}

function blockColumns(now: number): readonly Column<BlockSummary>[] {
  return [
    { header: 'Block', rowHeader: true, cell: (block) => <Link to={`/blocks/${block.number}`}>#{block.number}</Link> },
    { header: 'Channel', cell: (block) => block.channel },
    { header: 'Transactions', numeric: true, cell: (block) => block.txCount },
    { header: 'Kind', cell: (block) => (block.isConfig ? 'Config' : 'Data') },
    { header: 'Hash', cell: (block) => <code>{shortHash(block.hash)}</code> },
    {
      header: 'Created',
      cell: (block) => (
        <>
          {formatTime(block.createdAt)}
          <span className="sub">{formatAge(block.createdAt, now)}</span>
        </>
      ),
    },
  ];
}

/**
 * Newer/older links for a newest-first list. Relay: going forward (`after`) only hasNextPage is
 * meaningful, going backward (`before`) only hasPreviousPage.
 */
function Pager({ pageInfo, direction }: { readonly pageInfo: PageInfo; readonly direction: 'first' | 'forward' | 'backward' }): ReactNode {
  const newer = direction === 'backward' ? pageInfo.hasPreviousPage : direction === 'forward';
  const older = direction === 'backward' || pageInfo.hasNextPage;
  return (
    <nav className="pager" aria-label="Block pages">
      {newer && pageInfo.startCursor ? <Link to={`?before=${encodeURIComponent(pageInfo.startCursor)}`}>← Newer</Link> : <span aria-hidden="true" />}
      {direction === 'first' ? null : <Link to=".">Newest</Link>}
      {older && pageInfo.endCursor ? <Link to={`?after=${encodeURIComponent(pageInfo.endCursor)}`}>Older →</Link> : <span aria-hidden="true" />}
    </nav>
  );
}
