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

const isRetry = (p: Pick<PendingProduct, 'notBeforeMs'>) => p.notBeforeMs !== undefined;

/**
 * What readiness needs to know about a whole pending set, folded one record at a time so a store of
 * any size is summarised in constant memory (page through it, fold each page, decide once).
 */
export interface ReadinessSummary {
  /** Newest `lastSeenAtMs` of the fresh (never deferred) records. */
  freshNewestSeenMs: number | undefined;
  /** Oldest `waitingSinceMs` of the fresh records. */
  freshOldestWaitingMs: number | undefined;
  /** Earliest `notBeforeMs` of the deferred records. */
  retryEarliestMs: number | undefined;
  records: number;
  /** Records never deferred (what a due sync reads, besides the retries that are due). */
  freshRecords: number;
  /** Largest product id seen (its length sizes the id:in requests), when the records carried ids. */
  maxProductId: number | undefined;
}

export const EMPTY_READINESS: ReadinessSummary = { freshNewestSeenMs: undefined, freshOldestWaitingMs: undefined, retryEarliestMs: undefined, records: 0, freshRecords: 0, maxProductId: undefined };

const maxOf = (a: number | undefined, b: number) => (a === undefined || b > a ? b : a);
const minOf = (a: number | undefined, b: number) => (a === undefined || b < a ? b : a);

export function foldReadiness(acc: ReadinessSummary, p: Pick<PendingProduct, 'lastSeenAtMs' | 'waitingSinceMs' | 'notBeforeMs'> & { productId?: number }): ReadinessSummary {
  const maxProductId = typeof p.productId === 'number' && Number.isSafeInteger(p.productId) && p.productId > 0 ? maxOf(acc.maxProductId, p.productId) : acc.maxProductId;
  if (p.notBeforeMs !== undefined) return { ...acc, retryEarliestMs: minOf(acc.retryEarliestMs, p.notBeforeMs), records: acc.records + 1, maxProductId };
  return {
    ...acc,
    freshNewestSeenMs: maxOf(acc.freshNewestSeenMs, p.lastSeenAtMs),
    freshOldestWaitingMs: minOf(acc.freshOldestWaitingMs, p.waitingSinceMs),
    records: acc.records + 1,
    freshRecords: acc.freshRecords + 1,
    maxProductId,
  };
}

/** When the fresh records are due as a group (trailing window with a cap); undefined when there are none. */
export function freshDueAtMs(r: ReadinessSummary, s: DebounceSettings): number | undefined {
  if (r.freshNewestSeenMs === undefined || r.freshOldestWaitingMs === undefined) return undefined;
  return Math.min(r.freshNewestSeenMs + s.windowMs, r.freshOldestWaitingMs + s.maxWaitMs);
}

/** Earliest time something becomes ready; undefined when nothing is pending. */
export function dueAtMsOf(r: ReadinessSummary, s: DebounceSettings): number | undefined {
  const fresh = freshDueAtMs(r, s);
  if (fresh === undefined) return r.retryEarliestMs;
  return r.retryEarliestMs === undefined ? fresh : Math.min(fresh, r.retryEarliestMs);
}

/** Whether one record is ready now, given the summary of its whole store. */
export function isReadyNow(p: Pick<PendingProduct, 'notBeforeMs'>, r: ReadinessSummary, nowMs: number, s: DebounceSettings): boolean {
  if (isRetry(p)) return p.notBeforeMs! <= nowMs;
  const due = freshDueAtMs(r, s);
  return due !== undefined && due <= nowMs;
}

export function syncReadiness(pending: readonly PendingProduct[], nowMs: number, s: DebounceSettings): Readiness {
  const summary = pending.reduce(foldReadiness, EMPTY_READINESS);
  const fresh = pending.filter((p) => !isRetry(p));
  const retries = pending.filter(isRetry);
  const freshDue = freshDueAtMs(summary, s);
  const ready = [...(freshDue !== undefined && freshDue <= nowMs ? fresh : []), ...retries.filter((p) => p.notBeforeMs! <= nowMs)];
  return { ready, dueAtMs: dueAtMsOf(summary, s) };
}

/** Delay before re-reading a product that was not found yet: base · 2^(attempt-1), so 5 s, 10 s, 20 s … */
export const missingRetryDelayMs = (attempt: number, baseMs: number) => baseMs * 2 ** Math.max(0, attempt - 1);
