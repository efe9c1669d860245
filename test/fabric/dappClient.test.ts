import { AppError, ErrorCode } from '../../src/common/errors';
import { createFabricLedgerClient, type FabricLedgerClient, type LedgerIdentity, type LedgerRequest, type SubmitResult } from '../../src/ledger';
import { dappConnectionProfiles, dappIdentity, ownerOf } from './dappIdentities';
import { testNetwork, TEST_CHAINCODE, TEST_CHANNEL } from './testNetwork';
import { uniqueId } from './waiting';

/**
 * The DApp layer's ledger client against the real network that globalSetup started: signing as
 * different users, chaincode refusals as stable codes, submissions surviving a killed peer and a
 * killed orderer, and contention on one token account resolved by retries.
 */
jest.setTimeout(300_000);

const network = testNetwork();
let client: FabricLedgerClient;
let userA: LedgerIdentity;
let userB: LedgerIdentity;
let admin: LedgerIdentity;

const assets = (fn: string, ...args: string[]): LedgerRequest => ({ channel: TEST_CHANNEL, chaincode: TEST_CHAINCODE, contract: 'assets', fn, args });
const tokens = (fn: string, ...args: string[]): LedgerRequest => ({ channel: TEST_CHANNEL, chaincode: TEST_CHAINCODE, contract: 'tokens', fn, args });

/** One line on stderr about what a test saw (numbers for the report, not assertions). */
function report(what: string, results: readonly SubmitResult[]): void {
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const t = (pick: (r: SubmitResult) => number): string => median(results.map(pick)).toFixed(0);
  process.stderr.write(
    `[dapp] ${what}: ${results.length} committed, attempts ${JSON.stringify(results.map((r) => r.attempts))}, ` +
      `median endorse ${t((r) => r.timings.endorseMs)} ms, order ${t((r) => r.timings.orderMs)} ms, commit ${t((r) => r.timings.commitMs)} ms, total ${t((r) => r.timings.totalMs)} ms\n`,
  );
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  [userA, userB, admin] = await Promise.all([dappIdentity(network, 'org1', 'user1'), dappIdentity(network, 'org2', 'user1'), dappIdentity(network, 'org1', 'Admin')]);
  client = createFabricLedgerClient({
    connectionProfiles: dappConnectionProfiles(network),
    asLocalhost: true,
    eventStrategy: 'PREFER_MSPID_SCOPE_ANYFORTX',
    timeouts: { endorseMs: 10_000, orderMs: 10_000, commitMs: 30_000, evaluateMs: 5000, connectMs: 2000 },
    // Generous for the contention test: twenty writers on one key commit about one per block.
    retry: { maxAttempts: 40, initialDelayMs: 100, maxDelayMs: 2000 },
    peerBackoff: { initialMs: 2000, maxMs: 10_000 },
  });
});

afterAll(async () => {
  await (client as FabricLedgerClient | undefined)?.close();
});

test('a submission returns its transaction id, block number, validation code, result and timings', async () => {
  const id = uniqueId('dapp');
  const result = await client.submit(userA, assets('CreateAsset', id, 'car', JSON.stringify({ colour: 'red' })));
  expect(result).toMatchObject({ transactionId: expect.stringMatching(/^[0-9a-f]{64}$/) as string, validationCode: 'VALID', attempts: 1, retried: [] });
  expect(result.blockNumber).toBeGreaterThan(0n);
  expect(JSON.parse(result.payload.toString('utf8'))).toMatchObject({ id, kind: 'car', owner: ownerOf(userA), version: 1 });
  for (const t of [result.timings.endorseMs, result.timings.orderMs, result.timings.commitMs]) expect(t).toBeGreaterThanOrEqual(0);
  expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.endorseMs + result.timings.orderMs + result.timings.commitMs - 1);
  // Read back through an evaluation, from a peer of Org2 (the other organisation's view).
  const read = JSON.parse((await client.evaluate(userB, assets('ReadAsset', id))).toString('utf8')) as { owner: string };
  expect(read.owner).toBe(ownerOf(userA));
});

test('user B cannot transfer user A\'s asset (FORBIDDEN, nothing written); an admin can', async () => {
  const id = uniqueId('owned');
  await client.submit(userA, assets('CreateAsset', id, 'bike', '{}'));

  const refused = await rejection(client.submit(userB, assets('TransferAsset', id, ownerOf(userB))));
  expect(refused.code).toBe(ErrorCode.FORBIDDEN);
  expect(refused.message).toMatch(/^FORBIDDEN: /);
  expect(refused.details).toMatchObject({ phase: 'endorse', mayCommit: false, attempts: 1, retried: [] });
  const unchanged = JSON.parse((await client.evaluate(userA, assets('ReadAsset', id))).toString('utf8')) as { owner: string; version: number };
  expect(unchanged).toMatchObject({ owner: ownerOf(userA), version: 1 });

  const moved = await client.submit(admin, assets('TransferAsset', id, ownerOf(userB)));
  expect(moved.validationCode).toBe('VALID');
  const after = JSON.parse((await client.evaluate(userB, assets('ReadAsset', id))).toString('utf8')) as { owner: string; version: number };
  expect(after).toMatchObject({ owner: ownerOf(userB), version: 2 });
  expect(client.pooledIdentities()).toEqual(expect.arrayContaining([userA.key, userB.key, admin.key]));
});

test('chaincode refusals keep their codes and are never retried', async () => {
  const missing = await rejection(client.evaluate(userA, assets('ReadAsset', uniqueId('missing'))));
  expect(missing.code).toBe(ErrorCode.ASSET_NOT_FOUND);

  const id = uniqueId('twice');
  await client.submit(userA, assets('CreateAsset', id, 'car', '{}'));
  const again = await rejection(client.submit(userA, assets('CreateAsset', id, 'car', '{}')));
  expect(again.code).toBe(ErrorCode.ASSET_EXISTS);
  expect(again.details.attempts).toBe(1);

  const bad = await rejection(client.submit(userA, assets('CreateAsset', 'bad id', 'car', '{}')));
  expect(bad.code).toBe(ErrorCode.INVALID_ARGUMENT);
  const notAdmin = await rejection(client.submit(userA, tokens('Mint', ownerOf(userA), '5')));
  expect(notAdmin.code).toBe(ErrorCode.FORBIDDEN);
  const wrongCount = await rejection(client.evaluate(userA, assets('ReadAsset')));
  expect(wrongCount.code).toBe(ErrorCode.INVALID_ARGUMENT);
});

test('a steady stream of submissions all succeed while an Org1 peer and then an orderer are killed and restarted', async () => {
  const results: SubmitResult[] = [];
  const failures: unknown[] = [];
  const ids: string[] = [];
  let running = true;
  const worker = async (n: number): Promise<void> => {
    while (running) {
      const id = uniqueId(`stream${n}`);
      ids.push(id);
      try {
        results.push(await client.submit(n % 2 === 0 ? userA : userB, assets('CreateAsset', id, 'stream', '{}')));
      } catch (error) {
        failures.push(error);
      }
    }
  };
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const workers = [0, 1, 2].map((n) => worker(n));
  const stopped: string[] = [];
  try {
    await pause(2000);
    for (const node of ['peer1.org1.example.com', 'orderer0.example.com']) {
      await network.stopNode(node, { kill: true });
      stopped.push(node);
      await pause(8000);
      // Evaluations keep answering from the other Org1 peer meanwhile.
      await client.evaluate(userA, assets('AssetExists', 'nothing-here'));
      await network.startNode(node);
      stopped.pop();
      await pause(4000);
    }
  } finally {
    running = false;
    await Promise.all(workers);
    for (const node of stopped) await network.startNode(node);
  }
  report('stream with a peer and an orderer killed', results);
  expect(failures).toEqual([]);
  expect(results.length).toBe(ids.length);
  expect(results.length).toBeGreaterThan(10);
  for (const r of results) expect(r.validationCode).toBe('VALID');
  // Every one is on the ledger.
  for (const id of ids) expect((await client.evaluate(userA, assets('AssetExists', id))).toString('utf8')).toBe('true');
});

test('twenty concurrent transfers out of one token account: each commits or is INSUFFICIENT_FUNDS, conflicts retried away, nothing lost', async () => {
  const source = ownerOf(userA);
  const target = `Org2MSP/${uniqueId('sink')}`;
  const balance = async (account: string): Promise<bigint> => BigInt((await client.evaluate(userA, tokens('BalanceOf', account))).toString('utf8'));
  const minted = 100n;
  const amount = 7n;
  const sourceBefore = await balance(source);
  await client.submit(admin, tokens('Mint', source, minted.toString()));
  const available = sourceBefore + minted;

  const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => client.submit(userA, tokens('Transfer', target, amount.toString()))));
  const committed = outcomes.filter((o): o is PromiseFulfilledResult<SubmitResult> => o.status === 'fulfilled').map((o) => o.value);
  const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
  report('twenty transfers from one account', committed);
  for (const reason of refused) expect(reason instanceof AppError ? reason.code : reason).toBe(ErrorCode.INSUFFICIENT_FUNDS);
  expect(committed.length).toBe(Number(available / amount < 20n ? available / amount : 20n));
  expect(committed.some((r) => r.attempts > 1 && r.retried.includes(ErrorCode.MVCC_CONFLICT))).toBe(true);

  const [sourceAfter, targetAfter] = await Promise.all([balance(source), balance(target)]);
  expect(targetAfter).toBe(amount * BigInt(committed.length));
  expect(sourceAfter + targetAfter).toBe(available);
});
