import { lazy, Suspense, useMemo, type ReactNode } from 'react';
import { Link } from 'react-router-dom';

import { DataState, DataTable, type Column } from '../components/common';
import { PeerTable } from '../components/network';
import { SyncTable } from '../components/sync';
import { fillSeries, formatAge, formatCount, formatMinute, peersUp, shortHash } from '../format';
import { useLive, useLiveQuery, useNow } from '../live';
import { DASHBOARD, type BlockSummary, type DashboardData, type DashboardVariables, type StatsPoint } from '../queries';
import { PageTitle } from './PageTitle';

const TxChart = lazy(() => import('../components/TxChart'));

const MINUTE = 60_000;
const CHART_MINUTES = 60;

/** Counters, transactions per minute over the last hour, sync status and peer heights: live. */
export function DashboardPage(): ReactNode {
  const live = useLive();
  const now = useNow(live.blockSeq);
  const minute = Math.floor(now / MINUTE);
  const variables = useMemo<DashboardVariables>(
    () => ({ from: new Date((minute - CHART_MINUTES + 1) * MINUTE).toISOString(), to: new Date((minute + 1) * MINUTE - 1).toISOString() }),
    [minute],
  );
  const { data, error, fetching } = useLiveQuery<DashboardData>(DASHBOARD, variables, live.blockSeq + live.networkSeq);
  const peers = live.network?.peers ?? data?.network.peers ?? [];
  const series = useMemo(() => fillSeries(data?.stats.series ?? [], new Date(variables.from), new Date(variables.to), MINUTE), [data, variables]);

  return (
    <>
      <PageTitle>Dashboard</PageTitle>
      <DataState error={error} loading={fetching && !data} label="the dashboard" />
      {data && (
        <>
          <section aria-labelledby="counters-title">
            <h2 id="counters-title" className="visually-hidden">
              Counters
            </h2>
            <Counters data={data} peers={peers} />
          </section>
          <div className="grid-2">
            <section aria-labelledby="chart-title" className="panel">
              <h2 id="chart-title">Transactions per minute</h2>
              <figure className="chart" aria-describedby="chart-summary">
                <Suspense fallback={<p role="status">Loading chart…</p>}>
                  <TxChart points={series} />
                </Suspense>
                <figcaption id="chart-summary">
                  Last {CHART_MINUTES} minutes (UTC): {formatCount(data.stats.totals.transactions)} transactions, {formatCount(data.stats.totals.valid)} valid,{' '}
                  {formatCount(data.stats.totals.invalid)} invalid.
                </figcaption>
              </figure>
              <details>
                <summary>Minutes with transactions, as a table</summary>
                <SeriesTable points={series.filter((point) => point.transactions > 0 || point.blocks > 0)} />
              </details>
            </section>
            <section aria-labelledby="latest-title" className="panel">
              <h2 id="latest-title">Latest blocks</h2>
              <LatestBlocks data={data} now={now} freshNumber={live.lastBlock?.number} />
              <p>
                <Link to="/blocks">All blocks</Link>
              </p>
            </section>
          </div>
          <section aria-labelledby="sync-title" className="panel">
            <h2 id="sync-title">Sync status</h2>
            <SyncTable rows={data.syncStatus} now={now} />
          </section>
          <section aria-labelledby="peers-title" className="panel">
            <h2 id="peers-title">Peer heights</h2>
            <PeerTable peers={peers} now={now} caption="Ledger height each peer reports (qscc GetChainInfo)" />
          </section>
        </>
      )}
    </>
  );
}

function Counters({ data, peers }: { readonly data: DashboardData; readonly peers: DashboardData['network']['peers'] }): ReactNode {
  const up = peersUp(peers);
  const invalid = data.transactions.totalCount - data.validTransactions.totalCount;
  const items: [string, string, string][] = [
    ['blocks', 'Blocks', formatCount(data.blocks.totalCount)],
    ['transactions', 'Transactions', formatCount(data.transactions.totalCount)],
    ['valid', 'Valid', formatCount(data.validTransactions.totalCount)],
    ['invalid', 'Invalid', formatCount(invalid)],
    ['peers', 'Peers up', `${up.up} / ${up.total}`],
  ];
  return (
    <dl className="counters">
      {items.map(([key, label, value]) => (
        <div key={key} className={`counter${key === 'invalid' && invalid > 0 ? ' counter-bad' : ''}${key === 'peers' && up.up < up.total ? ' counter-bad' : ''}`} data-counter={key}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function LatestBlocks({ data, now, freshNumber }: { readonly data: DashboardData; readonly now: number; readonly freshNumber: string | undefined }): ReactNode {
  const columns: readonly Column<BlockSummary>[] = [
    { header: 'Block', rowHeader: true, cell: (block) => <Link to={`/blocks/${block.number}`}>#{block.number}</Link> },
    { header: 'Transactions', numeric: true, cell: (block) => block.txCount },
    { header: 'Hash', cell: (block) => <code>{shortHash(block.hash, 6)}</code> },
    { header: 'Age', cell: (block) => formatAge(block.createdAt, now) },
  ];
  return (
    <DataTable
      caption="Latest blocks"
      hideCaption
      columns={columns}
      rows={data.blocks.edges.map((edge) => edge.node)}
      rowKey={(block) => `${block.channel}/${block.number}`}
      rowProps={(block) => ({ className: block.number === freshNumber ? 'row-fresh' : undefined, 'data-block': block.number })}
    />
  );
}

const SERIES_COLUMNS: readonly Column<StatsPoint>[] = [
  { header: 'Minute (UTC)', rowHeader: true, cell: (point) => formatMinute(point.start) },
  { header: 'Blocks', numeric: true, cell: (point) => point.blocks },
  { header: 'Valid', numeric: true, cell: (point) => point.valid },
  { header: 'Invalid', numeric: true, cell: (point) => point.invalid },
];

function SeriesTable({ points }: { readonly points: readonly StatsPoint[] }): ReactNode {
  if (points.length === 0) return <p>No transactions in the last hour.</p>;
  return <DataTable caption="Transactions per minute" hideCaption columns={SERIES_COLUMNS} rows={points} rowKey={(point) => point.start} />;
}
