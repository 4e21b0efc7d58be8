import { describe, expect, it } from 'vitest';
import { Batcher, batcherPer } from './batch.js';

/** A flush whose round trips the test completes by hand, recording what each one carried and when it started. */
function manualFlush() {
  const flushes: { items: number[]; startedAfter: number; finish: () => void; fail: (e: Error) => void }[] = [];
  let queued = 0;
  const batcher = new Batcher<number, number>(
    (items) =>
      new Promise((resolve, reject) => {
        flushes.push({ items, startedAfter: queued, finish: () => resolve(items.map((i) => i * 10)), fail: reject });
      }),
    3,
  );
  const run = (i: number) => {
    queued++;
    return batcher.run(i);
  };
  return { flushes, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Batcher', () => {
  it('flushes a lone item at once, and items queued during a flight together in the next one', async () => {
    const { flushes, run } = manualFlush();
    const a = run(1);
    expect(flushes.map((f) => f.items)).toEqual([[1]]);
    const rest = [run(2), run(3)];
    expect(flushes).toHaveLength(1);
    flushes[0]!.finish();
    expect(await a).toBe(10);
    await tick();
    expect(flushes.map((f) => f.items)).toEqual([[1], [2, 3]]);
    flushes[1]!.finish();
    expect(await Promise.all(rest)).toEqual([20, 30]);
  });

  it('starts every item’s flush after the item was queued (a lookup never answers from an older read)', async () => {
    const { flushes, run } = manualFlush();
    const all = [run(0)];
    all.push(run(1), run(2)); // queued while flush 0 is in flight
    flushes[0]!.finish();
    await tick();
    all.push(run(3)); // queued while flush 1 is in flight
    flushes[1]!.finish();
    await tick();
    flushes[2]!.finish();
    expect(await Promise.all(all)).toEqual([0, 10, 20, 30]);
    expect(flushes.map((f) => f.items)).toEqual([[0], [1, 2], [3]]);
    let seen = 0;
    for (const f of flushes) {
      seen += f.items.length;
      // Everything this flush carries had been queued before it started.
      expect(f.startedAfter).toBeGreaterThanOrEqual(seen);
    }
    expect(seen).toBe(4);
  });

  it('caps a batch at its maximum and keeps queue order', async () => {
    const { flushes, run } = manualFlush();
    const first = run(0);
    const later = [1, 2, 3, 4, 5].map(run);
    flushes[0]!.finish();
    await first;
    await tick();
    expect(flushes[1]!.items).toEqual([1, 2, 3]);
    flushes[1]!.finish();
    await tick();
    expect(flushes[2]!.items).toEqual([4, 5]);
    flushes[2]!.finish();
    expect(await Promise.all(later)).toEqual([10, 20, 30, 40, 50]);
  });

  it('fails only the batch whose flush failed, and serves the next one', async () => {
    const { flushes, run } = manualFlush();
    const a = run(1);
    const b = run(2);
    flushes[0]!.fail(new Error('database unavailable'));
    await expect(a).rejects.toThrow('database unavailable');
    await tick();
    flushes[1]!.finish();
    expect(await b).toBe(20);
    const c = run(3);
    flushes[2]!.finish();
    expect(await c).toBe(30);
  });

  it('keeps one batcher per handle', () => {
    const per = batcherPer((_db: object) => new Batcher<number, number>(async (xs) => xs));
    const one = {};
    expect(per(one)).toBe(per(one));
    expect(per(one)).not.toBe(per({}));
  });
});
