import { parentPort, workerData } from 'node:worker_threads';

import { threadEnd, type CatchUpThreadInit } from '../threadedPull';
import { blockWithWrite } from './ledgerBlocks';

/**
 * Stands in for catchUpThread.ts in threadedPull's tests: no peer, the channel name says what to
 * do. `ok-N`: N blocks from `from`, then caught up; `fail`: 3 blocks, then a reported failure;
 * `exit`: 2 blocks, then the thread exits; `throw`: an uncaught error. Each block's txId records
 * how many blocks were posted and not yet taken when it was posted.
 */
if (!parentPort) throw new Error('a worker thread only');
const { channel, from, unacknowledged } = workerData as CatchUpThreadInit;
const end = threadEnd(parentPort, unacknowledged);
let outstanding = 0;
parentPort.on('message', () => {
  outstanding -= 1;
});

async function post(count: number): Promise<bigint> {
  let number = from;
  for (let i = 0; i < count; i++, number++) {
    const block = blockWithWrite(number);
    const [tx] = block.transactions;
    outstanding += 1;
    await end.deliver({ ...block, transactions: tx ? [{ ...tx, txId: `outstanding=${outstanding}` }] : [] });
  }
  return number;
}

async function run(): Promise<void> {
  if (channel.startsWith('ok-')) {
    end.caughtUp(await post(Number(channel.slice(3))));
  } else if (channel === 'fail') {
    await post(3);
    end.failed(new Error('peer0.org1 is unavailable'));
  } else if (channel === 'exit') {
    await post(2);
    process.exit(3);
  } else {
    setTimeout(() => {
      throw new Error('the thread broke');
    }, 0);
  }
}

void run();
