import type { PendingProduct } from '../events/pending-store.ts';

// Re-exported for the sync modules that read it from here.
export type { PendingProduct };

/**
 * When a store's pending products should be synced, decided from durable state alone (so any
 * instance, timer or Scheduler sweep reaches the same answer).
 *
 * Debounce is a trailing window with a cap: the store's fresh products are due once no new event has
 * arrived for `windowMs` (the newest `lastSeenAt` is that old) or the oldest one has waited
 * `maxWaitMs` (its document was created that long ago), whichever comes first. A bulk edit that
 * trickles in is therefore read once per product, and a steady stream still settles within the cap.
 * Products that were not readable yet (404 right after their event) wait for their own `notBefore`.
 */
export interface DebounceSettings {
  windowMs: number;
  maxWaitMs: number;
}

export interface Readiness {
  /** What a sync now should read. */
  ready: PendingProduct[];
  /** Earliest time something becomes ready (≤ now when `ready` is non-empty); undefined when nothing is pending. */
  dueAtMs: number | undefined;
}

const isRetry = (p: PendingProduct) => p.notBeforeMs !== undefined;

export function syncReadiness(pending: readonly PendingProduct[], nowMs: number, s: DebounceSettings): Readiness {
  const fresh = pending.filter((p) => !isRetry(p));
  const retries = pending.filter(isRetry);
  let freshDue: number | undefined;
  if (fresh.length > 0) {
    const newest = Math.max(...fresh.map((p) => p.lastSeenAtMs));
    const oldest = Math.min(...fresh.map((p) => p.waitingSinceMs));
    freshDue = Math.min(newest + s.windowMs, oldest + s.maxWaitMs);
  }
  const retryDue = retries.length > 0 ? Math.min(...retries.map((p) => p.notBeforeMs!)) : undefined;
  const candidates = [freshDue, retryDue].filter((t): t is number => t !== undefined);
  const dueAtMs = candidates.length > 0 ? Math.min(...candidates) : undefined;
  const ready = [...(freshDue !== undefined && freshDue <= nowMs ? fresh : []), ...retries.filter((p) => p.notBeforeMs! <= nowMs)];
  return { ready, dueAtMs };
}

/** Delay before re-reading a product that was not found yet: base · 2^(attempt-1), so 5 s, 10 s, 20 s … */
export const missingRetryDelayMs = (attempt: number, baseMs: number) => baseMs * 2 ** Math.max(0, attempt - 1);
