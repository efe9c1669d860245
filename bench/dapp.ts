import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { Command } from 'commander';
import { DefaultEventHandlerStrategies, Gateway, type Contract, type X509Identity } from 'fabric-network';

import { createFabricLedgerClient, type LedgerIdentity } from '../src/ledger';
import type { LocalNetwork } from '../src/localnet';
import { dappConnectionProfiles, dappIdentity } from '../test/fabric/dappIdentities';
import { log, positiveInt, summarise } from './common';
import { BENCH_CHAINCODE as CHAINCODE, BENCH_CHANNEL as CHANNEL, startBenchNetwork } from './network';

/**
 * `node --import tsx bench/dapp.ts`: submit throughput and latency through the DApp layer's ledger
 * client against a plain fabric-network script with the same identity, chaincode function,
 * commit strategy and concurrency, in the same run (rounds alternate so that drift hits both).
 * Runs its own network (.fabric-test-dapp-bench/, ports 28000+) and keeps it between runs.
 */
const repoRoot = path.resolve(__dirname, '..');




interface Round {
  readonly seconds: number;
  readonly latencies: number[];
}

/** `count` submissions, `concurrency` at a time; every one must succeed. */
async function round(count: number, concurrency: number, submit: (id: string) => Promise<unknown>, tag: string): Promise<Round> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const id = `${tag}-${Date.now().toString(36)}-${next++}-${Math.random().toString(36).slice(2, 6)}`;
      const t = performance.now();
      await submit(id);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return { seconds: (performance.now() - started) / 1000, latencies };
}

async function directContract(network: LocalNetwork, identity: LedgerIdentity): Promise<{ contract: Contract; close: () => void }> {
  const profile = JSON.parse(await readFile(path.join(network.topology.stateDir, 'connection-org1.json'), 'utf8')) as Record<string, unknown>;
  const x509: X509Identity = { type: 'X.509', mspId: identity.mspId, credentials: { certificate: identity.certificate, privateKey: identity.privateKey } };
  const gateway = new Gateway();
  await gateway.connect(profile, {
    identity: x509,
    discovery: { enabled: true, asLocalhost: true },
    eventHandlerOptions: { strategy: DefaultEventHandlerStrategies.PREFER_MSPID_SCOPE_ANYFORTX, endorseTimeout: 15, commitTimeout: 30 },
  });
  const channel = await gateway.getNetwork(CHANNEL);
  return { contract: channel.getContract(CHAINCODE, 'assets'), close: () => {
      gateway.disconnect();
    } };
}

async function main(): Promise<void> {
  const options = new Command()
    .option('--count <n>', 'submissions per round and client', positiveInt, 200)
    .option('--concurrency <n>', 'submissions in flight', positiveInt, 16)
    .option('--rounds <n>', 'rounds per client (alternating)', positiveInt, 3)
    .option('--port-base <n>', 'port base of the benchmark network', positiveInt, 28000)
    .parse()
    .opts<{ count: number; concurrency: number; rounds: number; portBase: number }>();
  log('starting the benchmark network (reused when up)');
  const { network } = await startBenchNetwork({ stateDir: path.join(repoRoot, '.fabric-test-dapp-bench'), portBase: options.portBase });
  const identity = await dappIdentity(network, 'org1', 'user1');
  const direct = await directContract(network, identity);
  const client = createFabricLedgerClient({ connectionProfiles: dappConnectionProfiles(network), asLocalhost: true, eventStrategy: 'PREFER_MSPID_SCOPE_ANYFORTX' });
  const viaDirect = (id: string): Promise<unknown> => direct.contract.submitTransaction('CreateAsset', id, 'bench', '{}');
  const viaDapp = (id: string): Promise<unknown> => client.submit(identity, { channel: CHANNEL, chaincode: CHAINCODE, contract: 'assets', fn: 'CreateAsset', args: [id, 'bench', '{}'] });
  try {
    log('warming up both clients');
    await round(options.concurrency, options.concurrency, viaDirect, 'warm-direct');
    await round(options.concurrency, options.concurrency, viaDapp, 'warm-dapp');
    const directRounds: Round[] = [];
    const dappRounds: Round[] = [];
    for (let r = 1; r <= options.rounds; r++) {
      directRounds.push(await round(options.count, options.concurrency, viaDirect, 'direct'));
      dappRounds.push(await round(options.count, options.concurrency, viaDapp, 'dapp'));
      log(`round ${r}/${options.rounds} done`);
    }
    const d = summarise(directRounds);
    const a = summarise(dappRounds);
    const ms = (v: number): string => `${v.toFixed(1)} ms`;
    console.log(`\n${options.rounds} rounds x ${options.count} CreateAsset submissions per client, concurrency ${options.concurrency}, commit strategy PREFER_MSPID_SCOPE_ANYFORTX\n`);
    console.log('| client | submissions | throughput | p50 | p99 |');
    console.log('|---|---|---|---|---|');
    console.log(`| fabric-network directly (baseline) | ${d.count} | ${d.perSecond.toFixed(1)} tx/s | ${ms(d.p50)} | ${ms(d.p99)} |`);
    console.log(`| DApp layer (createFabricLedgerClient) | ${a.count} | ${a.perSecond.toFixed(1)} tx/s | ${ms(a.p50)} | ${ms(a.p99)} |`);
    console.log(`\nthroughput DApp/direct: ${((a.perSecond / d.perSecond) * 100).toFixed(1)} % (target >= 90 %); p50 overhead: ${ms(a.p50 - d.p50)} (target < 5 ms)`);
  } finally {
    direct.close();
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
