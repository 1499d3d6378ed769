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
  /** Newest time of an event whose scope moves `date_modified` (category-sync/stale-read.ts), if any. */
  newestChangeEventAtMs: number | undefined;
  /** Reads deferred because they looked stale (at most one: see category-sync/stale-read.ts). */
  staleRereads: number;
  /** Reads that did not find the product (or found it older than its newest event). */
  attempts: number;
  notBeforeMs: number | undefined;
  /** Distinct scopes of the events folded into the record, and the latest one (for the product's history). */
  scopes?: readonly string[];
  lastScope?: string | undefined;
}

/**
 * Lifetime of a pending record after its last event (`expireAt`, Firestore TTL policy in terraform/).
 * A safety net only: the sweep drops the work of uninstalled and unknown stores long before. Longer
 * than BigCommerce's 48 h of retries and a weekend of outage; whatever an active store loses to it,
 * the daily full sync reads again.
 */
export const PENDING_TTL_MS = 7 * 24 * 3_600_000;

export type DropReason = 'uninstalled' | 'unknown-store';

export interface Deferral {
  productId: number;
  version: string;
  attempts: number;
  notBeforeMs: number;
  /** Set when the read looked stale: counts the one stale re-read (stale-read.ts). */
  staleRereads?: number;
}

/** A pending record as loaded: also how many events it holds (what it adds to the store index). */
export interface LoadedPending extends PendingProduct {
  events: number;
}

/**
 * The category-sync side of the pending records written by ingest. Every removal or update carries the
 * version that was read: if an event touched the record during the sync, the write fails and the
 * record stays pending for the next sync, so no update is ever lost.
 */
export interface PendingStore {
  /**
   * Store hashes that have pending products, from the store index in O(stores) (store-index.ts);
   * stores found drained on the way are unlisted.
   */
  stores(): Promise<string[]>;
  load(storeHash: string): Promise<LoadedPending[]>;
  /**
   * One keyset page of a store's pending records in product id order: ids above `afterProductId`
   * (and at most `maxProductId` when given), at most `limit` of them. Paging with the last id of a
   * page as the next `afterProductId` visits every record once in memory bounded by `limit`, however
   * big the store; records whose productId is not a number are not in any page.
   */
  page(storeHash: string, opts: { afterProductId: number; limit: number; maxProductId?: number }): Promise<LoadedPending[]>;
  /**
   * Removes handled records; returns how many were removed and how many changed meanwhile (kept).
   * Takes their `events` off the store index (items loaded by `load` carry it) and unlists a drained store.
   */
  complete(storeHash: string, items: readonly (Pick<PendingProduct, 'productId' | 'version'> & { events?: number })[]): Promise<{ removed: number; kept: number }>;
  /** Records another failed read and when to try again. */
  defer(storeHash: string, items: readonly Deferral[]): Promise<{ deferred: number; kept: number }>;
  /** Removes records given up on and keeps a trace of them. */
  giveUp(storeHash: string, items: readonly (Pick<PendingProduct, 'productId' | 'version' | 'attempts'> & { events?: number })[], reason: string): Promise<number>;
  /**
   * Queues products for the next sync without an event (gap backfill after deactivated webhooks,
   * first sync): they go through the same debounce, fetch and rules as webhook-driven work.
   */
  enqueue(storeHash: string, productIds: readonly number[], reason: string, nowMs: number): Promise<number>;
  /**
   * Drops everything pending for a store that will never be processed (uninstalled, or no store of
   * ours), unlists it, and counts the drop per store for /status. Returns how many records it dropped.
   */
  dropStore(storeHash: string, reason?: DropReason): Promise<number>;
}
