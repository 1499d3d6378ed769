/** Firestore collection names: part of the deployment contract (TTL policies and indexes in terraform/). */
export const COLLECTIONS = {
  /** One document per unique event (store + scope + hash); `expireAt` carries the TTL policy. */
  markers: 'eventMarkers',
  /**
   * One document per chunk of a large event already applied (plan-event-writes.ts `layoutWrites`);
   * `expireAt` TTL, same lifetime as the event's marker.
   */
  eventChunks: 'eventChunks',
  /**
   * One document per store + product with work to do; deleted by the flush that handled it. `expireAt`
   * TTL (PENDING_TTL_MS after its last event): a safety net for stores no sweep ever settles.
   */
  pending: 'pendingProducts',
  /** The store index: counter shards of the stores with pending work (src/events/store-index.ts). */
  pendingStores: 'pendingStores',
  /** Pending work dropped per store (uninstalled, unknown): counts for /status; `expireAt` TTL. */
  droppedStores: 'droppedStores',
  /** Permanently bad messages, kept for inspection; `expireAt` TTL. */
  rejections: 'rejections',
  /** Products given up on after repeated 404s; `expireAt` TTL. */
  givenUp: 'givenUp',
  /** The store registry: status, credentials, rules, last event time. */
  stores: 'stores',
  /** Uninstall requests refused because BigCommerce still accepted the store's token (or could not say). */
  uninstallRefusals: 'uninstallRefusals',
  /** One category sync per store across instances. */
  leases: 'flushLeases',
  /** One resumable full catalog sync per store: state, cursor (last product id done), progress. */
  fullSyncJobs: 'fullSyncJobs',
  /** One document per store + product the category sync processed: its last entries (events/product-history.ts); `expireAt` TTL. */
  productHistory: 'productHistory',
} as const;
