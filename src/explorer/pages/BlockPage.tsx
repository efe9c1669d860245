import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';

import { DataState, DataTable, Facts, Hash, Section, ValidationBadge, type Column } from '../components/common';
import { formatAge, formatTime, shortHash } from '../format';
import { useLiveQuery, useNow } from '../live';
import { BLOCK, type BlockData, type TransactionSummary } from '../queries';
import { NotFound } from './NotFound';
import { PageTitle } from './PageTitle';

const TRANSACTION_COLUMNS: readonly Column<TransactionSummary>[] = [
  { header: '#', numeric: true, cell: (tx) => tx.txIndex },
  {
    header: 'Transaction',
    rowHeader: true,
    cell: (tx) => (
      <Link to={`/transactions/${encodeURIComponent(tx.id)}`} aria-label={`Transaction ${tx.id}`}>
        <code>{shortHash(tx.id)}</code>
      </Link>
    ),
  },
  { header: 'Type', cell: (tx) => tx.type },
  { header: 'Chaincode', cell: (tx) => tx.chaincode ?? '—' },
  { header: 'Function', cell: (tx) => tx.function ?? '—' },
  { header: 'Creator', cell: (tx) => tx.creatorMspId ?? '—' },
  { header: 'Validation', cell: (tx) => <ValidationBadge code={tx.validationCode} valid={tx.valid} /> },
];

/** One block: its header and its transactions in order. */
export function BlockPage(): ReactNode {
  const number = useParams()['number'] ?? '';
  const valid = /^\d+$/.test(number);
  if (!valid) return <NotFound what={`Block “${number}”`} />;
  return <BlockDetails number={number} />;
}

function BlockDetails({ number }: { readonly number: string }): ReactNode {
  const now = useNow(0);
  const { data, error, fetching } = useLiveQuery<BlockData>(BLOCK, { number }, 0);
  const block = data?.block;
  const previous = BigInt(number) > 0n ? String(BigInt(number) - 1n) : null;
  const next = String(BigInt(number) + 1n);
  return (
    <>
      <PageTitle title={`Block ${number}`}>Block #{number}</PageTitle>
      <nav className="pager" aria-label="Neighbouring blocks">
        {previous === null ? <span aria-hidden="true" /> : <Link to={`/blocks/${previous}`}>← Block #{previous}</Link>}
        <Link to="/blocks">All blocks</Link>
        <Link to={`/blocks/${next}`}>Block #{next} →</Link>
      </nav>
      <DataState error={error} loading={fetching && !data} label={`block ${number}`} />
      {data && !block && <p className="notice">The cache has no block #{number} (yet).</p>}
      {block && (
        <>
          <Section id="header" title="Header">
            <Facts
              items={[
                ['Channel', block.channel],
                ['Kind', block.isConfig ? 'Config block' : 'Data block'],
                ['Created', `${formatTime(block.createdAt)} (${formatAge(block.createdAt, now)})`],
                ['Transactions', String(block.txCount)],
                ['Hash', <Hash key="hash" value={block.hash} />],
                ['Previous hash', <Hash key="prev" value={block.previousHash} />],
                ['Data hash', <Hash key="data" value={block.dataHash} />],
              ]}
            />
          </Section>
          <Section id="txs" title="Transactions">
            {block.transactions.length === 0 ? (
              <p>This block has no transactions.</p>
            ) : (
              <DataTable
                caption={`Transactions of block ${number}`}
                hideCaption
                columns={TRANSACTION_COLUMNS}
                rows={block.transactions}
                rowKey={(tx) => `${tx.txIndex}/${tx.id}`}
                rowProps={(tx) => ({ 'data-tx': tx.id })}
              />
            )}
          </Section>
        </>
      )}
    </>
  );
}
