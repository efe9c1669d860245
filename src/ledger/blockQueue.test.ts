import { createBlockQueue } from './blockQueue';

describe('the bounded block queue', () => {
  it('hands over items in order and in batches', async () => {
    const queue = createBlockQueue<number>(10);
    for (const n of [1, 2, 3]) await queue.push(n);
    expect(await queue.take(2)).toEqual([1, 2]);
    expect(await queue.take(5)).toEqual([3]);
  });

  it('holds the producer while full', async () => {
    const queue = createBlockQueue<number>(1);
    await queue.push(1);
    let pushed = false;
    const second = queue.push(2).then(() => (pushed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(pushed).toBe(false);
    expect(await queue.take(1)).toEqual([1]);
    await second;
    expect(await queue.take(1)).toEqual([2]);
  });

  it('rethrows what broke the stream once drained, then ends', async () => {
    const queue = createBlockQueue<number>(5);
    await queue.push(1);
    queue.close(new Error('listener failed'));
    expect(await queue.take(5)).toEqual([1]);
    await expect(queue.take(5)).rejects.toThrow('listener failed');
  });

  it('waits for as many items as asked, and takes fewer once woken with a lower ask', async () => {
    const queue = createBlockQueue<number>(10);
    let atLeast = 3;
    let taken: number[] | undefined;
    const take = queue.take(5, () => atLeast).then((items) => (taken = items));
    await queue.push(1);
    await queue.push(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(taken).toBeUndefined();
    // The burst is over: the producer lowers the ask and wakes the taker.
    atLeast = 1;
    queue.wake();
    await take;
    expect(taken).toEqual([1, 2]);
  });

  it('never waits for more than the capacity, and hands over what is left when closed', async () => {
    const queue = createBlockQueue<number>(2);
    await queue.push(1);
    await queue.push(2);
    expect(await queue.take(10, () => 50)).toEqual([1, 2]);
    await queue.push(3);
    queue.close();
    expect(await queue.take(10, () => 2)).toEqual([3]);
    expect(await queue.take(10, () => 2)).toEqual([]);
  });
});
