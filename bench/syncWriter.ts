/**
 * The sync writer alone (prepareBatch + writeBatch, no Fabric) on synthetic CreateAsset blocks of
 * the same shape as bench:sync's ledger, into a fresh database: wall time, and the CPU seconds of
 * this process and of its PostgreSQL backend, which are far less noisy than wall time on a shared
 * machine. Environment: BLOCKS (1000), TX per block (50), BATCH blocks per transaction (200),
 * SETUP (SQL run first, e.g. to drop a constraint for an experiment), SESSION (SQL for the session),
 * DEFER=1 to put the secondary indexes off as a first load does and create them again at the end
 * (timed apart: "restore").
 *
 *   node --import tsx bench/syncWriter.ts
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createSampleProjector, deferIndexesForFirstLoad, prepareBatch, restoreIndexes, writeBatch, ensureCheckpoint, stateProjector, type Checkpoint } from '../src/sync';
import type { LedgerBlock, LedgerTransaction } from '../src/ledger';
import { createIsolatedDatabase } from '../test/db/isolatedDatabase';
import { cpuSeconds as cpu } from './syncPhases';

const BLOCKS = Number(process.env.BLOCKS ?? 1000);
const TX = Number(process.env.TX ?? 50);
const BATCH = Number(process.env.BATCH ?? 200);
const SETUP = process.env.SETUP ?? '';
const SESSION = process.env.SESSION ?? '';
const DEFER = process.env.DEFER === '1';

function blocks(): LedgerBlock[] {
  const out: LedgerBlock[] = [];
  let prev = '';
  const run = Date.now().toString(36);
  for (let n = 0; n < BLOCKS; n++) {
    const createdAt = new Date(Date.UTC(2026, 10, 23) + n * 300);
    const txs: LedgerTransaction[] = [];
    for (let i = 0; i < TX; i++) {
      const id = `bench-${run}-${n * TX + i}`;
      const asset = { id, kind: i % 3 ? 'crate' : 'pallet', owner: 'Org1MSP/user1', attributes: { i: n * TX + i }, version: 1 };
      txs.push({
        index: i, txId: randomBytes(32).toString('hex'), type: 'ENDORSER_TRANSACTION', validationCode: 'VALID', isValid: true,
        creator: { mspId: 'Org1MSP', id: 'user1' }, endorsers: [{ mspId: 'Org1MSP', id: 'peer0.org1.example.com' }, { mspId: 'Org2MSP', id: 'peer0.org2.example.com' }],
        chaincode: 'sample', fn: 'assets:CreateAsset', createdAt,
        reads: [{ namespace: '_lifecycle', key: 'namespaces/fields/sample/Sequence', version: { block: 5n, tx: 0 } }, { namespace: 'sample', key: `asset:${id}`, version: undefined }],
        writes: [{ namespace: 'sample', key: `asset:${id}`, isDelete: false, value: Buffer.from(JSON.stringify(asset)) }],
        event: { chaincode: 'sample', name: 'AssetCreated', payload: Buffer.from(JSON.stringify(asset)) },
      });
    }
    const hash = createHash('sha256').update(String(n)).digest('hex');
    out.push({ channel: 'mychannel', number: BigInt(n), hash, previousHash: prev, dataHash: hash, isConfig: false, createdAt, transactions: txs });
    prev = hash;
  }
  return out;
}

async function main(): Promise<void> {
  const all = blocks();
  const db = await createIsolatedDatabase('wbench');
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const sql of SETUP.split(';').filter((s) => s.trim())) await client.query(sql);
    // As the worker's session does.
    await client.query('SET plan_cache_mode = force_custom_plan');
    await client.query('SET jit = off');
    for (const sql of SESSION.split(';').filter((s) => s.trim())) await client.query(sql);
    let cp: Checkpoint = await ensureCheckpoint(client, 'mychannel');
    if (DEFER) await deferIndexesForFirstLoad(client);
    const projectors = [stateProjector, createSampleProjector(['sample'])];
    const pid = (await client.query<{ p: number }>('select pg_backend_pid() p')).rows[0]?.p ?? 0;
    const pg0 = cpu(pid); const n0 = process.cpuUsage();
    const started = performance.now();
    const times: number[] = [];
    for (let i = 0; i < all.length; i += BATCH) {
      const t = performance.now();
      cp = await writeBatch(client, 'mychannel', prepareBatch('mychannel', cp, all.slice(i, i + BATCH), projectors));
      times.push(Math.round(performance.now() - t));
    }
    let restore = '';
    if (DEFER) {
      const r0 = performance.now(); const rpg0 = cpu(pid);
      const restored = await restoreIndexes(client);
      restore = `; restore ${restored.length} indexes ${(performance.now() - r0).toFixed(0)} ms (pg cpu ${(cpu(pid) - rpg0).toFixed(2)} s: ${restored.map((i) => `${i.name} ${i.ms}`).join(', ')})`;
    }
    const s = (performance.now() - started) / 1000;
    const pgc = cpu(pid) - pg0; const nc = process.cpuUsage(n0);
    console.log(`${process.env.LABEL ?? ''} pg cpu ${pgc.toFixed(2)} s (${((BLOCKS*TX)/pgc).toFixed(0)} tx/pg-s), node cpu ${((nc.user+nc.system)/1e6).toFixed(2)} s; ${BLOCKS * TX} tx in ${s.toFixed(2)} s = ${((BLOCKS * TX) / s).toFixed(0)} tx/s; batches ms ${times.join(' ')}${restore}`);
  } finally {
    await client.end();
    await db.drop();
  }
}
main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
