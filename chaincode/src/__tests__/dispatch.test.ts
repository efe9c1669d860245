import './quietLogs';

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { beforeEach, describe, expect, it } from '@jest/globals';

import { contracts } from '../index';
import { FakeLedger, type FakeStub } from './fakes';
import { type ChaincodeResponse, chaincodeFor } from './shimInternals';

/**
 * End to end inside one process: string arguments go through fabric-shim's own dispatcher and
 * its real ClientIdentity, which parses real X.509 certificates (test fixtures, CA-signed):
 *   user1.pem           Fabric CA style: attrs hf.EnrollmentID=user1, role=user
 *   org1admin.pem       Fabric CA style: attrs hf.EnrollmentID=org1admin, role=admin
 *   cryptogen-user.pem  no attributes; subject CN=User1@org1.example.com
 */
const cert = (name: string): Buffer => readFileSync(path.join(__dirname, 'fixtures', name));
const user1 = { mspId: 'Org1MSP', cert: cert('user1.pem') };
const admin = { mspId: 'Org1MSP', cert: cert('org1admin.pem') };
const cryptogenUser = { mspId: 'Org1MSP', cert: cert('cryptogen-user.pem') };

const chaincode = chaincodeFor(contracts);
let ledger: FakeLedger;

beforeEach(() => {
  ledger = new FakeLedger();
});

interface Outcome {
  readonly status: number;
  readonly message: string | undefined;
  readonly payload: string;
  readonly stub: FakeStub;
}

/** What the peer does: invoke with the creator's certificate; commit the writes on status 200. */
async function invoke(creator: { mspId: string; cert: Buffer }, ...args: string[]): Promise<Outcome> {
  const stub = ledger.stub(creator.mspId, creator.cert, args);
  const response: ChaincodeResponse = await chaincode.Invoke(stub);
  if (response.status === 200) ledger.commit(stub);
  return { status: response.status, message: response.message, payload: Buffer.from(response.payload ?? []).toString('utf8'), stub };
}

describe('served through fabric-shim', () => {
  it('routes "<contract>:<function>" and takes the owner from the certificate', async () => {
    const created = await invoke(user1, 'assets:CreateAsset', 'a1', 'car', '{"colour":"blue"}');

    expect(created.status).toBe(200);
    expect(JSON.parse(created.payload)).toMatchObject({ id: 'a1', owner: 'Org1MSP/user1', version: 1 });
    expect(created.stub.lastEvent()?.name).toBe('AssetCreated');

    const read = await invoke(user1, 'assets:ReadAsset', 'a1');
    expect(read.payload).toBe(ledger.text('asset:a1'));
    expect((await invoke(user1, 'assets:AssetExists', 'a1')).payload).toBe('true');
  });

  it('uses the subject CN for certificates without attributes', async () => {
    const created = await invoke(cryptogenUser, 'assets:CreateAsset', 'a1', 'car', '{}');

    expect(JSON.parse(created.payload)).toMatchObject({ owner: 'Org1MSP/User1@org1.example.com' });
  });

  it('sends function names without a prefix to the default contract, assets', async () => {
    await invoke(user1, 'CreateAsset', 'a1', 'car', '{}');

    expect((await invoke(user1, 'AssetExists', 'a1')).payload).toBe('true');
  });

  it('honours role=admin from the certificate', async () => {
    const minted = await invoke(admin, 'tokens:Mint', 'Org1MSP/user1', '50');
    expect(minted).toMatchObject({ status: 200, payload: '50' });

    const refused = await invoke(user1, 'tokens:Mint', 'Org1MSP/user1', '50');
    expect(refused).toMatchObject({ status: 500, message: 'FORBIDDEN: only an identity with role=admin may mint', payload: '' });
    expect(refused.stub.writeSet.size).toBe(0);

    const sent = await invoke(user1, 'tokens:Transfer', 'Org1MSP/User1@org1.example.com', '20');
    expect(sent).toMatchObject({ status: 200, payload: '30' });
    expect((await invoke(user1, 'tokens:BalanceOf', 'Org1MSP/User1@org1.example.com')).payload).toBe('20');
  });

  it('returns coded errors as the response message, with status 500', async () => {
    expect(await invoke(user1, 'assets:ReadAsset', 'nope')).toMatchObject({ status: 500, message: 'ASSET_NOT_FOUND: asset nope does not exist' });
    expect(await invoke(user1, 'assets:CreateAsset', 'bad id', 'car', '{}')).toMatchObject({ status: 500, message: expect.stringMatching(/^INVALID_ARGUMENT: /) as unknown });
  });

  it('codes unknown functions UNKNOWN_FUNCTION', async () => {
    expect(await invoke(user1, 'assets:Steal', 'a1')).toMatchObject({ status: 500, message: 'UNKNOWN_FUNCTION: contract assets has no function "Steal"' });
  });

  it('codes unexpected failures (here: the peer connection) INTERNAL', async () => {
    const stub = ledger.stub(user1.mspId, user1.cert, ['assets:ReadAsset', 'a1']);
    stub.getState = () => Promise.reject(new Error('stream closed'));

    expect(await chaincode.Invoke(stub)).toMatchObject({ status: 500, message: 'INTERNAL: stream closed' });
  });

  // These two are refused by fabric-contract-api before any contract code runs, so their messages
  // are the framework's, without a code. Clients should treat them as INVALID_ARGUMENT.
  it('leaves wrong argument counts to fabric-contract-api (uncoded message)', async () => {
    const outcome = await invoke(user1, 'assets:CreateAsset', 'a1', 'car');

    expect(outcome).toMatchObject({ status: 500, message: 'Expected 3 parameters, but 2 have been supplied' });
    expect(outcome.stub.writeSet.size).toBe(0);
  });

  it('leaves unknown contract names to fabric-contract-api (uncoded message)', async () => {
    expect(await invoke(user1, 'nft:Mint', 'x')).toMatchObject({ status: 500, message: 'Contract name is not known: nft' });
  });

  it('publishes both contracts in the metadata the peer and clients can query', async () => {
    const metadata = JSON.parse((await invoke(user1, 'org.hyperledger.fabric:GetMetadata')).payload) as {
      contracts: Record<string, { transactions: { name: string; tag: string[]; parameters: { name: string }[] }[] }>;
    };
    const summary = Object.fromEntries(
      ['assets', 'tokens'].map((name) => [
        name,
        metadata.contracts[name]?.transactions.map((t) => `${t.name}(${t.parameters.map((p) => p.name).join(', ')}) ${t.tag.join('|')}`),
      ]),
    );

    expect(summary).toEqual({
      assets: [
        'CreateAsset(id, kind, attributesJson) SUBMIT|submitTx',
        'UpdateAsset(id, attributesJson) SUBMIT|submitTx',
        'TransferAsset(id, newOwner) SUBMIT|submitTx',
        'DeleteAsset(id) SUBMIT|submitTx',
        'ReadAsset(id) EVALUATE',
        'AssetExists(id) EVALUATE',
      ],
      tokens: ['Mint(account, amount) SUBMIT|submitTx', 'Transfer(toAccount, amount) SUBMIT|submitTx', 'BalanceOf(account) EVALUATE'],
    });
  });
});
