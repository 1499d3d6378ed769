/**
 * The waiting line of the per-instance sync scheduler: stores waiting for a run slot, longest-waiting
 * first. A store is in the line at most once; enqueueing it again keeps the EARLIER of its two
 * waiting times (a store never loses its place by being asked for twice). Ties go to whoever
 * joined first. Pure data structure (no clock, no I/O), so the order is table-tested.
 *
 * Sizes are the number of stores with work in one instance (hundreds to a few thousand): `take()`
 * scans linearly, which at that size costs less than keeping a heap consistent with re-enqueues.
 */
export interface QueueEntry<T> {
  storeHash: string;
  waitingSinceMs: number;
  value: T;
}

export class FairQueue<T> {
  private readonly entries = new Map<string, QueueEntry<T> & { seq: number }>();
  private seq = 0;

  get size(): number {
    return this.entries.size;
  }

  has(storeHash: string): boolean {
    return this.entries.has(storeHash);
  }

  /** Adds a store, or moves its waiting time earlier if it is already in line. Returns its entry. */
  enqueue(storeHash: string, waitingSinceMs: number, value: T): QueueEntry<T> {
    const existing = this.entries.get(storeHash);
    if (existing) {
      if (waitingSinceMs < existing.waitingSinceMs) existing.waitingSinceMs = waitingSinceMs;
      return existing;
    }
    const entry = { storeHash, waitingSinceMs, value, seq: this.seq++ };
    this.entries.set(storeHash, entry);
    return entry;
  }

  /** Removes and returns the longest-waiting store, or undefined when the line is empty. */
  take(): QueueEntry<T> | undefined {
    let best: (QueueEntry<T> & { seq: number }) | undefined;
    for (const e of this.entries.values()) {
      if (!best || e.waitingSinceMs < best.waitingSinceMs || (e.waitingSinceMs === best.waitingSinceMs && e.seq < best.seq)) best = e;
    }
    if (best) this.entries.delete(best.storeHash);
    return best;
  }

  /** Removes and returns everything (shutdown). */
  drain(): QueueEntry<T>[] {
    const all = [...this.entries.values()];
    this.entries.clear();
    return all;
  }
}
