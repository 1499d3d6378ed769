/** Firestore collection names: part of the deployment contract (TTL policies and indexes in terraform/). */
export const COLLECTIONS = {
  /** One document per unique event (store + scope + hash); `expireAt` carries the TTL policy. */
  markers: 'eventMarkers',
  /** One document per store + product with work to do; deleted by the flush that handled it. */
  pending: 'pendingProducts',
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
} as const;
