import { expect } from '@jest/globals';
import type { Context } from 'fabric-contract-api';
// The shim hands out the transaction timestamp's seconds as a Long; the fake does the same.
import Long from 'long';

import type { Identity } from '../identity';

/**
 * Test doubles for the parts of the Fabric shim the contracts use.
 *
 * FakeLedger models what matters about Fabric's execution model: a transaction reads committed
 * state only (a write is not visible to a later read in the same transaction), its writes form a
 * write set, and the write set is committed only if the transaction function succeeds.
 */

export interface RecordedEvent {
  readonly name: string;
  readonly payload: string;
}

export class FakeStub {
  /** key -> value written (null = deleted), in the order of the calls. */
  readonly writeSet = new Map<string, Uint8Array | null>();
  readonly events: RecordedEvent[] = [];

  constructor(
    private readonly committed: ReadonlyMap<string, Uint8Array>,
    private readonly creatorMspId: string,
    private readonly creatorCert: Uint8Array,
    private readonly txId: string,
    private readonly txSeconds: number,
    /** The arguments as the peer passes them: "<contract>:<function>" first, then the strings. */
    private readonly args: readonly string[] = [],
  ) {}

  getState(key: string): Promise<Uint8Array> {
    // Like the peer: committed state only, and an empty value for a missing key.
    return Promise.resolve(this.committed.get(key) ?? new Uint8Array());
  }

  putState(key: string, value: Uint8Array): Promise<void> {
    this.writeSet.set(key, Uint8Array.from(value));
    return Promise.resolve();
  }

  deleteState(key: string): Promise<void> {
    this.writeSet.set(key, null);
    return Promise.resolve();
  }

  setEvent(name: string, payload: Uint8Array): void {
    this.events.push({ name, payload: Buffer.from(payload).toString('utf8') });
  }

  getTxID(): string {
    return this.txId;
  }

  getChannelID(): string {
    return 'testchannel';
  }

  getTxTimestamp(): { seconds: Long; nanos: number } {
    return { seconds: Long.fromNumber(this.txSeconds, true), nanos: 500_000_000 };
  }

  getCreator(): { mspid: string; idBytes: Uint8Array } {
    return { mspid: this.creatorMspId, idBytes: this.creatorCert };
  }

  getFunctionAndParameters(): { fcn: string; params: string[] } {
    return { fcn: this.args[0] ?? '', params: this.args.slice(1) };
  }

  getBufferArgs(): Buffer[] {
    return this.args.map((arg) => Buffer.from(arg, 'utf8'));
  }

  /** The event Fabric would deliver: only the last setEvent of a transaction survives. */
  lastEvent(): { name: string; payload: unknown } | undefined {
    const event = this.events.at(-1);
    return event && { name: event.name, payload: JSON.parse(event.payload) };
  }
}

export interface FakeIdentityOptions {
  readonly mspId: string;
  /** Subject CN; Fabric CA also uses it as the enrollment ID. */
  readonly cn: string;
  /** Certificate attributes (Fabric CA puts hf.EnrollmentID, hf.Type, ... and registered attrs here). */
  readonly attrs?: Readonly<Record<string, string>>;
}

export interface FakeIdentity extends Identity {
  getIDBytes(): Uint8Array;
}

/** A client identity as fabric-shim's ClientIdentity presents it, without a real certificate. */
export function fakeIdentity({ mspId, cn, attrs = {} }: FakeIdentityOptions): FakeIdentity {
  return {
    getMSPID: () => mspId,
    getID: () => `x509::/C=US/ST=North Carolina/O=Hyperledger/OU=client/CN=${cn}::/C=US/ST=North Carolina/O=Hyperledger/CN=ca.${mspId.toLowerCase()}.example.com`,
    getIDBytes: () => Buffer.from(`fake certificate of ${cn}`),
    // The shim treats an empty attribute value as absent.
    getAttributeValue: (name) => (attrs[name] ? attrs[name] : null),
    assertAttributeValue: (name, value) => attrs[name] === value,
  };
}

/** An identity enrolled with Fabric CA: the certificate carries hf.EnrollmentID. */
export function caIdentity(mspId: string, enrollmentId: string, extraAttrs: Readonly<Record<string, string>> = {}): FakeIdentity {
  return fakeIdentity({ mspId, cn: enrollmentId, attrs: { 'hf.EnrollmentID': enrollmentId, 'hf.Type': 'client', ...extraAttrs } });
}

export interface Transaction {
  readonly ctx: Context;
  readonly stub: FakeStub;
}

/** Committed world state plus a way to run transactions against it. */
export class FakeLedger {
  readonly state = new Map<string, Uint8Array>();
  private txCount = 0;
  /** 2023-11-14T22:13:20Z; each transaction is one second later than the one before. */
  private clockSeconds = 1_700_000_000;

  /** Starts a transaction submitted by `identity`; nothing reaches `state` until commit(). */
  begin(identity: FakeIdentity): Transaction {
    const stub = this.stub(identity.getMSPID(), identity.getIDBytes());
    // The contracts only touch ctx.stub and ctx.clientIdentity; the fakes stand in for both.
    const ctx = { stub, clientIdentity: identity } as unknown as Context;
    return { ctx, stub };
  }

  /** A stub for a new transaction by the creator with this MSP ID and certificate. */
  stub(mspId: string, cert: Uint8Array, args: readonly string[] = []): FakeStub {
    this.txCount += 1;
    this.clockSeconds += 1;
    return new FakeStub(this.state, mspId, cert, `tx${this.txCount}`, this.clockSeconds, args);
  }

  commit(stub: FakeStub): void {
    for (const [key, value] of stub.writeSet) {
      if (value === null) this.state.delete(key);
      else this.state.set(key, value);
    }
  }

  /** Runs one transaction function and commits its writes if it succeeds (as ordering would). */
  async submit<T>(identity: FakeIdentity, fn: (ctx: Context) => Promise<T>): Promise<{ result: T; stub: FakeStub }> {
    const { ctx, stub } = this.begin(identity);
    const result = await fn(ctx);
    this.commit(stub);
    return { result, stub };
  }

  /** The committed value under key, as text. */
  text(key: string): string | undefined {
    const value = this.state.get(key);
    return value && Buffer.from(value).toString('utf8');
  }

  /** A copy of the committed state, to compare before and after a refused call. */
  snapshot(): Map<string, string> {
    return new Map([...this.state].map(([key, value]) => [key, Buffer.from(value).toString('utf8')]));
  }

  /** Puts a value straight into committed state, e.g. to simulate data written by something else. */
  seed(key: string, text: string): void {
    this.state.set(key, Buffer.from(text, 'utf8'));
  }
}

/** Runs a call that must fail on `ledger`, and checks it wrote nothing and emitted nothing. */
export async function expectRefusedOn(
  ledger: FakeLedger,
  identity: FakeIdentity,
  call: Parameters<FakeLedger['submit']>[1],
  message: string | RegExp,
): Promise<void> {
  const before = ledger.snapshot();
  const { ctx, stub } = ledger.begin(identity);
  await expect(call(ctx)).rejects.toThrow(message);
  expect(stub.writeSet.size).toBe(0);
  expect(stub.events).toEqual([]);
  expect(ledger.snapshot()).toEqual(before);
}
