/** One pending record as the category sync reads it (written by ingest, see plan-event-writes.ts). */
export interface PendingProduct {
  productId: number;
  /** Opaque document version: deleting with it fails if an event touched the record meanwhile. */
  version: string;
  lastSeenAtMs: number;
  /** When the record was created, i.e. since when this product has been waiting. */
  waitingSinceMs: number;
  deleteSeen: boolean;
  /** Newest BigCommerce event time of this product (ms), if events carried one. */
  newestEventAtMs: number | undefined;
  /** Reads that did not find the product (or found it older than its newest event). */
  attempts: number;
  notBeforeMs: number | undefined;
}

export interface Deferral {
  productId: number;
  version: string;
  attempts: number;
  notBeforeMs: number;
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
