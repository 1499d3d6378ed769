// An in-memory PendingStore with the Firestore adapter's contract (events/firestore-pending-store.ts):
// every write carries the version that was read and fails quietly ("kept") when the record changed
// since. `touch` plays an event arriving for a product, which bumps the version.
import type { Deferral, PendingStore, LoadedPending, PendingProduct } from '../../src/events/pending-store.ts';

export interface GivenUp {
  storeHash: string;
  productId: number;
  attempts: number;
  reason: string;
}

const newest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

export class FakePendingStore implements PendingStore {
  private readonly records = new Map<string, Map<number, PendingProduct>>();
  private versions = 0;
  readonly givenUp: GivenUp[] = [];

  private readonly clock: { now(): number };

  constructor(clock: { now(): number }) {
    this.clock = clock;
  }

  private storeOf(storeHash: string): Map<number, PendingProduct> {
    let m = this.records.get(storeHash);
    if (!m) this.records.set(storeHash, (m = new Map<number, PendingProduct>()));
    return m;
  }

  private nextVersion(): string {
    return `v${++this.versions}`;
  }

  /** An event for this product, as ingest records it: created or refreshed, a new version either way. */
  touch(storeHash: string, productId: number, o: { atMs?: number; deleted?: boolean; newestEventAtMs?: number; newestChangeEventAtMs?: number } = {}): PendingProduct {
    const atMs = o.atMs ?? this.clock.now();
    const m = this.storeOf(storeHash);
    const prev = m.get(productId);
    const next: PendingProduct = {
      productId,
      version: this.nextVersion(),
      lastSeenAtMs: atMs,
      waitingSinceMs: prev?.waitingSinceMs ?? atMs,
      deleteSeen: (prev?.deleteSeen ?? false) || (o.deleted ?? false),
      // FieldValue.maximum in the real store: the newest event time wins.
      newestEventAtMs: newest(prev?.newestEventAtMs, o.newestEventAtMs),
      newestChangeEventAtMs: newest(prev?.newestChangeEventAtMs, o.newestChangeEventAtMs),
      staleRereads: prev?.staleRereads ?? 0,
      attempts: prev?.attempts ?? 0,
      notBeforeMs: prev?.notBeforeMs,
    };
    m.set(productId, next);
    return next;
  }

  /** The record as stored now, or undefined. */
  get(storeHash: string, productId: number): PendingProduct | undefined {
    return this.records.get(storeHash)?.get(productId);
  }

  private matches(storeHash: string, i: { productId: number; version: string }): boolean {
    return this.records.get(storeHash)?.get(i.productId)?.version === i.version;
  }

  stores(): Promise<string[]> {
    return Promise.resolve([...this.records.entries()].filter(([, m]) => m.size > 0).map(([h]) => h).sort());
  }

  load(storeHash: string): Promise<LoadedPending[]> {
    // One event per record: the fake does not count coalesced events (the store index does, in Firestore).
    return Promise.resolve([...(this.records.get(storeHash)?.values() ?? [])].map((p) => ({ ...p, events: 1 })));
  }

  /** Keyset pages by product id, like the Firestore adapter (numeric ids only). */
  page(storeHash: string, opts: { afterProductId: number; limit: number; maxProductId?: number }): Promise<LoadedPending[]> {
    this.pageReads++;
    const all = [...(this.records.get(storeHash)?.values() ?? [])]
      .filter((p) => typeof p.productId === 'number' && p.productId > opts.afterProductId && (opts.maxProductId === undefined || p.productId <= opts.maxProductId))
      .sort((a, b) => a.productId - b.productId)
      .slice(0, opts.limit);
    this.largestPage = Math.max(this.largestPage, all.length);
    return Promise.resolve(all.map((p) => ({ ...p, events: 1 })));
  }

  /** How many page() calls were made, and the most records one returned (bounded memory checks). */
  pageReads = 0;
  largestPage = 0;

  complete(storeHash: string, items: readonly Pick<PendingProduct, 'productId' | 'version'>[]): Promise<{ removed: number; kept: number }> {
    let removed = 0;
    for (const i of items) {
      if (this.matches(storeHash, i)) {
        this.storeOf(storeHash).delete(i.productId);
        removed++;
      }
    }
    return Promise.resolve({ removed, kept: items.length - removed });
  }

  defer(storeHash: string, items: readonly Deferral[]): Promise<{ deferred: number; kept: number }> {
    let deferred = 0;
    for (const i of items) {
      if (!this.matches(storeHash, i)) continue;
      const m = this.storeOf(storeHash);
      const prev = m.get(i.productId)!;
      m.set(i.productId, { ...prev, attempts: i.attempts, notBeforeMs: i.notBeforeMs, staleRereads: i.staleRereads ?? prev.staleRereads, version: this.nextVersion() });
      deferred++;
    }
    return Promise.resolve({ deferred, kept: items.length - deferred });
  }

  giveUp(storeHash: string, items: readonly Pick<PendingProduct, 'productId' | 'version' | 'attempts'>[], reason: string): Promise<number> {
    let n = 0;
    for (const i of items) {
      if (!this.matches(storeHash, i)) continue;
      this.storeOf(storeHash).delete(i.productId);
      this.givenUp.push({ storeHash, productId: i.productId, attempts: i.attempts, reason });
      n++;
    }
    return Promise.resolve(n);
  }

  enqueue(storeHash: string, productIds: readonly number[], _reason: string, nowMs: number): Promise<number> {
    const ids = [...new Set(productIds)];
    for (const id of ids) this.touch(storeHash, id, { atMs: nowMs });
    return Promise.resolve(ids.length);
  }

  dropStore(storeHash: string): Promise<number> {
    const n = this.records.get(storeHash)?.size ?? 0;
    this.records.delete(storeHash);
    return Promise.resolve(n);
  }
}
