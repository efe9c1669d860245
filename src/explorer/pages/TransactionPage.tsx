import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';

import { DataState, DataTable, Facts, Hash, Section, ValidationBadge, type Column } from '../components/common';
import { displayKey, displayValue, formatAge, formatTime } from '../format';
import { useLiveQuery, useNow } from '../live';
import { TRANSACTION, type TransactionData } from '../queries';
import { PageTitle } from './PageTitle';

type Tx = NonNullable<TransactionData['transaction']>;

/** One transaction: what it is, who endorsed it, what it read and wrote, and its event. */
export function TransactionPage(): ReactNode {
  const id = useParams()['id'] ?? '';
  const now = useNow(0);
  const { data, error, fetching } = useLiveQuery<TransactionData>(TRANSACTION, { id }, 0);
  const tx = data?.transaction;
  return (
    <>
      <PageTitle title={`Transaction ${id.slice(0, 12)}`}>Transaction</PageTitle>
      <p className="lead">
        <Hash value={id} />
      </p>
      <DataState error={error} loading={fetching && !data} label="the transaction" />
      {data && !tx && <p className="notice">The cache has no transaction with this id (yet).</p>}
      {tx && (
        <>
          <Summary tx={tx} now={now} />
          <Section id="endorsers" title="Endorsers">
            {tx.endorsers.length === 0 ? (
              <p>No endorsements recorded.</p>
            ) : (
              <ul className="plain">
                {tx.endorsers.map((endorser, index) => (
                  <li key={`${endorser.mspId}/${endorser.id ?? index}`}>
                    <strong>{endorser.mspId}</strong> {endorser.id && <span className="sub">{endorser.id}</span>}
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Writes tx={tx} />
          <Reads tx={tx} />
          <Section id="event" title="Event">
            {tx.event ? (
              <>
                <Facts
                  items={[
                    ['Name', tx.event.name],
                    ['Chaincode', tx.event.chaincode],
                  ]}
                />
                <pre className="value" aria-label="Event payload">
                  {JSON.stringify(tx.event.payload, null, 2)}
                </pre>
              </>
            ) : (
              <p>This transaction emitted no chaincode event.</p>
            )}
          </Section>
        </>
      )}
    </>
  );
}

const WRITE_COLUMNS: readonly Column<Tx['writes'][number]>[] = [
  { header: 'Namespace', cell: (write) => write.namespace },
  { header: 'Key', rowHeader: true, cell: (write) => <code>{displayKey(write.key)}</code> },
  { header: 'Value', cell: (write) => (write.isDelete ? <em>deleted</em> : <pre className="value">{displayValue(write.value)}</pre>) },
];

const READ_COLUMNS: readonly Column<Tx['reads'][number]>[] = [
  { header: 'Namespace', cell: (read) => read.namespace },
  { header: 'Key', rowHeader: true, cell: (read) => <code>{displayKey(read.key)}</code> },
  { header: 'Version read', cell: (read) => (read.versionBlock === null ? 'did not exist' : `block ${read.versionBlock}, tx ${read.versionTx ?? '?'}`) },
];

function Writes({ tx }: { readonly tx: Tx }): ReactNode {
  return (
    <Section id="writes" title={`Writes (${tx.writes.length})`}>
      {tx.writes.length === 0 ? (
        <p>This transaction wrote nothing.</p>
      ) : (
        <DataTable
          caption="Keys written"
          hideCaption
          columns={WRITE_COLUMNS}
          rows={tx.writes}
          rowKey={(write) => `${write.namespace}/${write.key}`}
          rowProps={(write) => ({ 'data-write-key': displayKey(write.key) })}
        />
      )}
    </Section>
  );
}

function Reads({ tx }: { readonly tx: Tx }): ReactNode {
  return (
    <Section id="reads" title={`Reads (${tx.reads.length})`}>
      {tx.reads.length === 0 ? (
        <p>This transaction read nothing.</p>
      ) : (
        <DataTable caption="Keys read" hideCaption columns={READ_COLUMNS} rows={tx.reads} rowKey={(read) => `${read.namespace}/${read.key}`} />
      )}
    </Section>
  );
}
function Summary({ tx, now }: { readonly tx: Tx; readonly now: number }): ReactNode {
  return (
    <Section id="summary" title="Summary">
      <Facts
        items={[
          ['Validation', <ValidationBadge key="v" code={tx.validationCode} valid={tx.valid} />],
          ['Block', <Link key="b" to={`/blocks/${tx.blockNumber}`}>#{tx.blockNumber}</Link>],
          ['Position in block', String(tx.txIndex)],
          ['Channel', tx.channel],
          ['Type', tx.type],
          ['Chaincode', tx.chaincode ?? '—'],
          ['Function', tx.function ?? '—'],
          ['Creator', tx.creator?.id ?? tx.creatorMspId ?? '—'],
          ['Created', `${formatTime(tx.createdAt)} (${formatAge(tx.createdAt, now)})`],
        ]}
      />
    </Section>
  );
}
