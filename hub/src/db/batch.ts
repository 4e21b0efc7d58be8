/**
 * Group commit for the two small statements every tool call makes (the token lookup and the
 * call-log insert): callers queue an item and one flush runs at a time, taking every item queued
 * while the previous flush was in flight. Alone, a caller's flush starts at once; under load,
 * N concurrent callers cost one round trip instead of N (on loopback TCP a round trip's socket
 * work alone was a quarter of the hub's CPU in a profile at 32 connections).
 *
 * Nothing is traded for it: an item's flush always starts after the item was queued, so a token
 * lookup never answers from a read older than its request (revocation still takes effect on the
 * next call), and a caller whose call-log row is queued is answered only once the row is committed.
 */
interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class Batcher<I, O> {
  #queue: Pending<I, O>[] = [];
  #busy = false;

  /** `flush` gets the items in queue order and returns one result per item, in the same order. */
  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 256,
  ) {}

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#busy) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    while (this.#queue.length) {
      const batch = this.#queue.splice(0, this.maxBatch);
      try {
        const out = await this.flush(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(out[i] as O));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.#busy = false;
  }
}

/**
 * One batcher per database handle (a test process can run several hubs, each on its own database;
 * a transaction's handle gets its own, so a batch never runs inside someone else's transaction).
 */
export function batcherPer<D extends object, I, O>(make: (db: D) => Batcher<I, O>): (db: D) => Batcher<I, O> {
  const all = new WeakMap<D, Batcher<I, O>>();
  return (db) => {
    let b = all.get(db);
    if (!b) all.set(db, (b = make(db)));
    return b;
  };
}
