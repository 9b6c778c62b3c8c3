/**
 * Group commit, the pure part: items submitted close together are handed to one `flush` call
 * (one statement, one commit), and each submitter's promise settles only when its batch has
 * settled — so an answer never precedes the commit that makes it true. No I/O and no clock of
 * its own: the timer is a port, so tests can drive it.
 *
 * Rules, each for a reason:
 * - a batch is flushed when it holds `maxBatch` items or `maxWaitMs` after its first item
 *   arrived, whichever comes first (a lone request waits at most a few ms);
 * - at most `maxInFlight` batches are being written at once (the rest keep gathering — that is
 *   where the batching comes from under load);
 * - items sharing a key (the same customer, the same owner's event id) never share a batch and
 *   never overtake each other: a later one waits for the earlier one's batch to settle, so it is
 *   written as if the two came one after the other;
 * - at most `maxPending` items wait; a submit beyond that waits for room first (back-pressure:
 *   callers slow down instead of the buffer growing without bound).
 */

/** Calls `fn` once after `ms`; the returned function cancels it. */
export interface BatchTimer {
  after(ms: number, fn: () => void): () => void;
}

interface BatcherOptions<I, O> {
  /** Most items in one batch. */
  maxBatch: number;
  /** Longest an item waits for its batch to fill, in ms. */
  maxWaitMs: number;
  /** Most items waiting to be batched; submit waits for room beyond it. */
  maxPending: number;
  /** Most batches being flushed at once. */
  maxInFlight: number;
  /** Items with a key in common are written in separate batches, in arrival order. */
  keysOf(item: I): readonly string[];
  /** Write the batch; answers one outcome per item, in the same order. */
  flush(items: readonly I[]): Promise<readonly O[]>;
  timer: BatchTimer;
}

interface Entry<I, O> {
  item: I;
  keys: readonly string[];
  resolve(o: O): void;
  reject(err: unknown): void;
}

/** Gathers submitted items into batches (see the file comment). */
export class Batcher<I, O> {
  readonly #o: BatcherOptions<I, O>;
  #queue: Array<Entry<I, O>> = [];
  /** Keys of the items in batches being flushed. */
  readonly #busy = new Set<string>();
  /** Submitters waiting for room in the queue, oldest first. */
  readonly #roomWaiters: Array<() => void> = [];
  #inFlight = 0;
  #cancelTimer: (() => void) | null = null;

  constructor(options: BatcherOptions<I, O>) {
    if (options.maxBatch < 1 || options.maxPending < 1 || options.maxInFlight < 1) {
      throw new Error("Batcher: maxBatch, maxPending and maxInFlight must be at least 1");
    }
    this.#o = options;
  }

  /** Items waiting to be batched (not counting those being written). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Batches being written now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Add an item; settles with its outcome once its batch has been written (or with its error). */
  async submit(item: I): Promise<O> {
    while (this.#queue.length >= this.#o.maxPending) {
      await new Promise<void>((room) => this.#roomWaiters.push(room));
    }
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, keys: this.#o.keysOf(item), resolve, reject });
      this.#schedule();
    });
  }

  /** Flush at once when a full batch is ready, else make sure a timer will. */
  #schedule(): void {
    if (this.#queue.length === 0 || this.#inFlight >= this.#o.maxInFlight) return;
    if (this.#readyCount() >= this.#o.maxBatch) {
      this.#flushNow();
      return;
    }
    if (!this.#cancelTimer) {
      this.#cancelTimer = this.#o.timer.after(this.#o.maxWaitMs, () => {
        this.#cancelTimer = null;
        this.#flushNow();
      });
    }
  }

  /** How many queued items could go into the next batch (capped at maxBatch). */
  #readyCount(): number {
    return this.#take(false).length;
  }

  /**
   * The next batch in arrival order: items whose keys are neither being written nor taken by an
   * earlier item still queued (blocked items block their keys for those behind them).
   */
  #take(remove: boolean): Array<Entry<I, O>> {
    const batch: Array<Entry<I, O>> = [];
    const used = new Set<string>();
    const rest: Array<Entry<I, O>> = [];
    for (const e of this.#queue) {
      const free = batch.length < this.#o.maxBatch && e.keys.every((k) => !this.#busy.has(k) && !used.has(k));
      for (const k of e.keys) used.add(k);
      if (free) batch.push(e);
      else rest.push(e);
    }
    if (remove) this.#queue = rest;
    return batch;
  }

  #flushNow(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    if (this.#inFlight >= this.#o.maxInFlight) return;
    const batch = this.#take(true);
    if (batch.length === 0) return;
    this.#inFlight++;
    for (const e of batch) for (const k of e.keys) this.#busy.add(k);
    this.#releaseRoom();
    void this.#write(batch);
  }

  async #write(batch: Array<Entry<I, O>>): Promise<void> {
    try {
      const out = await this.#o.flush(batch.map((e) => e.item));
      if (out.length !== batch.length) throw new Error(`Batcher: flush answered ${out.length} of ${batch.length}`);
      batch.forEach((e, i) => {
        e.resolve(out[i] as O);
      });
    } catch (err) {
      for (const e of batch) e.reject(err);
    } finally {
      for (const e of batch) for (const k of e.keys) this.#busy.delete(k);
      this.#inFlight--;
      this.#schedule();
    }
  }

  /** Wake as many waiting submitters as there is room for. */
  #releaseRoom(): void {
    let room = this.#o.maxPending - this.#queue.length;
    while (room-- > 0 && this.#roomWaiters.length > 0) this.#roomWaiters.shift()?.();
  }
}
