import type { ReactNode } from 'react';

import { Badge, DataState, DataTable, Section, type Column } from '../components/common';
import { NodeHealthTable, PeerTable } from '../components/network';
import { SyncTable } from '../components/sync';
import { formatAge, formatCount } from '../format';
import { useLive, useLiveQuery, useNow } from '../live';
import { NETWORK, type NetworkData, type NetworkStatus } from '../queries';
import { PageTitle } from './PageTitle';

const CHANNEL_COLUMNS: readonly Column<NetworkStatus['channels'][number]>[] = [
  { header: 'Channel', rowHeader: true, cell: (channel) => channel.name },
  { header: 'Indexed height', numeric: true, cell: (channel) => formatCount(channel.indexedHeight) },
  { header: 'Highest peer height', numeric: true, cell: (channel) => formatCount(channel.peerHeight) },
];

const ORGANISATION_COLUMNS: readonly Column<NetworkStatus['organisations'][number]>[] = [
  { header: 'MSP ID', rowHeader: true, cell: (org) => org.mspId },
  { header: 'Peers', numeric: true, cell: (org) => org.peers },
  {
    header: 'Reachable',
    cell: (org) => (
      <Badge tone={org.reachablePeers === org.peers ? 'good' : org.reachablePeers === 0 ? 'bad' : 'warn'}>
        {org.reachablePeers} of {org.peers}
      </Badge>
    ),
  },
];

/** Channels, organisations, peers (with their own heights), orderers and CAs; live. */
export function NetworkPage(): ReactNode {
  const live = useLive();
  const now = useNow(live.networkSeq + live.blockSeq);
  const { data, error, fetching } = useLiveQuery<NetworkData>(NETWORK, {}, live.networkSeq + live.blockSeq, 1000);
  // The subscription's status is at least as new as the last query's.
  const network = live.network ?? data?.network;
  return (
    <>
      <PageTitle>Network</PageTitle>
      <DataState error={error} loading={fetching && !data} label="the network" />
      {network && (
        <>
          <p>Checked {formatAge(network.checkedAt, now)}.</p>
          <Section id="channels" title="Channels">
            <DataTable caption="Channels" hideCaption columns={CHANNEL_COLUMNS} rows={network.channels} rowKey={(channel) => channel.name} />
          </Section>
          <Section id="orgs" title="Organisations">
            <DataTable caption="Organisations" hideCaption columns={ORGANISATION_COLUMNS} rows={network.organisations} rowKey={(org) => org.mspId} />
          </Section>
          <Section id="peers" title="Peers">
            <PeerTable peers={network.peers} now={now} caption="Peers" />
          </Section>
          <Section id="orderers" title="Orderers">
            <NodeHealthTable caption="Orderers" nodes={network.orderers} now={now} />
          </Section>
          <Section id="cas" title="Certificate authorities">
            <NodeHealthTable caption="Certificate authorities" nodes={network.certificateAuthorities} now={now} />
          </Section>
          {data && (
            <Section id="sync" title="Sync status">
              <SyncTable rows={data.syncStatus} now={now} />
            </Section>
          )}
        </>
      )}
    </>
  );
}
