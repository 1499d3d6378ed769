import type { PendingProduct } from '../category-sync/readiness.ts';

export interface Deferral {
  productId: number;
  version: string;
  attempts: number;
  notBeforeMs: number;
  /** Set when the read looked stale: counts the one stale re-read (stale-read.ts). */
  staleRereads?: number;
}

/**
 * The category-sync side of the pending records written by ingest. Every removal or update carries the
 * version that was read: if an event touched the record during the sync, the write fails and the
 * record stays pending for the next sync, so no update is ever lost.
 */
export interface PendingStore {
  /** Store hashes that have at least one pending product. */
  stores(): Promise<string[]>;
  load(storeHash: string): Promise<PendingProduct[]>;
  /**
   * One keyset page of a store's pending records in product id order: ids above `afterProductId`
   * (and at most `maxProductId` when given), at most `limit` of them. Paging with the last id of a
   * page as the next `afterProductId` visits every record once in memory bounded by `limit`, however
   * big the store; records whose productId is not a number are not in any page.
   */
  page(storeHash: string, opts: { afterProductId: number; limit: number; maxProductId?: number }): Promise<PendingProduct[]>;
  /** Removes handled records; returns how many were removed and how many changed meanwhile (kept). */
  complete(storeHash: string, items: readonly Pick<PendingProduct, 'productId' | 'version'>[]): Promise<{ removed: number; kept: number }>;
  /** Records another failed read and when to try again. */
  defer(storeHash: string, items: readonly Deferral[]): Promise<{ deferred: number; kept: number }>;
  /** Removes records given up on and keeps a trace of them. */
  giveUp(storeHash: string, items: readonly Pick<PendingProduct, 'productId' | 'version' | 'attempts'>[], reason: string): Promise<number>;
  /**
   * Queues products for the next sync without an event (gap backfill after deactivated webhooks,
   * first sync): they go through the same debounce, fetch and rules as webhook-driven work.
   */
  enqueue(storeHash: string, productIds: readonly number[], reason: string, nowMs: number): Promise<number>;
  /** Drops everything pending for a store (uninstalled). */
  dropStore(storeHash: string): Promise<number>;
}
