import { parentPort, workerData } from 'node:worker_threads';

// Straight from the file, not the ledger's index: this thread needs the decoder, not the gateway SDK.
import { decodeEncodedBlock } from '../ledger/blockBytes';
import { isEncodedBlock } from '../ledger/blockDecoder';
import type { LedgerBlock } from '../ledger/ledgerBlock';
import { prepareBatch } from './checkpoint';
import { loadProjectors } from './projectorModules';
import { ownedBuffers, planPayloads, reviveBlock, toThreadError, type PrepareReply, type PrepareRequest, type ThreadInit } from './threadProtocol';

/**
 * The preparer thread (see threadPreparer.ts): decodes the blocks it is given (or revives decoded
 * ones), checks them against the checkpoint, and builds the batch's statements and COPY payloads,
 * one request at a time, in the order they come. It never touches PostgreSQL. An error preparing a
 * batch goes back as that batch's reply; anything that escapes (or a crash) ends the thread, and
 * the worker stops loudly.
 */
const port = parentPort;
if (!port) throw new Error('prepareThread.ts runs as a worker thread only');
const { channel, projectors: specs } = workerData as ThreadInit;
const projectors = loadProjectors(specs);

port.on('message', (request: PrepareRequest) => {
  let reply: PrepareReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const blocks = request.blocks.map((block): LedgerBlock => (isEncodedBlock(block) ? decodeEncodedBlock(block) : reviveBlock(block)));
    const batch = prepareBatch(channel, request.from, blocks, projectors);
    reply = { id: request.id, batch };
    transfer = ownedBuffers(planPayloads(batch));
  } catch (error) {
    reply = { id: request.id, error: toThreadError(error) };
  }
  port.postMessage(reply, transfer);
});
