import type { Product } from '../bigcommerce/product.ts';
import type { Deferral } from '../events/pending-store.ts';
import { parseIsoDateMs } from '../rules/parse-iso-date.ts';
import { missingRetryDelayMs, type PendingProduct } from './readiness.ts';
import { isStaleRead } from './stale-read.ts';

export interface SyncOutcomeSettings {
  /** Reads a product gets before it is given up (the last one takes a stale read as the truth). */
  missingMaxAttempts: number;
  /** First retry delay; doubles per attempt (readiness.ts missingRetryDelayMs). */
  missingRetryMs: number;
  /** A read is stale when its date_modified is older than the newest date_modified-moving event by more than this. */
  staleToleranceMs: number;
  /** When the one re-read of a stale-looking product happens (stale-read.ts). */
  staleRetryMs: number;
}

export interface SyncOutcomeInput {
  /** The pending records this sync read products for. */
  ready: readonly PendingProduct[];
  /** What BigCommerce returned (a full sync returns products nobody asked about: they count as current). */
  products: readonly Product[];
  nowMs: number;
  settings: SyncOutcomeSettings;
}

export interface SyncOutcome {
  /** The reads the rules may trust: everything returned except stale reads. */
  current: Product[];
  /** Records to complete: read current, or absent after a delete event (a 404 is then final). */
  done: PendingProduct[];
  /** Ids whose read looked stale, read once more (they are also in `retry`). */
  stale: number[];
  /** Absent with attempts left (attempts counted), or stale for the first time (staleRereads counted): read again at `notBeforeMs`. */
  retry: Deferral[];
  /** Absent after the last attempt: give up, with the attempts counted. */
  exhausted: PendingProduct[];
}

/** The read's date_modified in ms, or undefined when absent or unparsable (then it cannot be stale). */
function modifiedAtMs(read: Product | undefined): number | undefined {
  return typeof read?.date_modified === 'string' ? parseIsoDateMs(read.date_modified) : undefined;
}

/**
 * What to do with each pending record after one read of BigCommerce, decided from the records and
 * the read alone (the policy the README states):
 * - read and not stale (stale-read.ts: only date_modified-moving events count, and only once) -> done;
 * - read and stale for the first time -> one re-read `staleRetryMs` later (a stale re-read is never
 *   counted as a missing attempt, and the second read is taken whatever it says);
 * - absent after a delete event -> done (nothing to categorise);
 * - absent otherwise (404 right after the event) -> retry with doubling backoff, until the attempt
 *   that reaches `missingMaxAttempts`, when it is exhausted.
 * Every record lands in exactly one of done / retry / exhausted. Whether a record may really be
 * completed is not decided here: a record an event touched meanwhile stays pending (the store's
 * version precondition), whatever this plan says.
 */
export function planSyncOutcome(input: SyncOutcomeInput): SyncOutcome {
  const { ready, products, nowMs, settings: s } = input;
  const byId = new Map(products.map((p) => [p.id, p]));
  const hasAttemptsLeft = (p: PendingProduct) => p.attempts + 1 < s.missingMaxAttempts;
  const isStale = (p: PendingProduct) => byId.has(p.productId) && isStaleRead(p, modifiedAtMs(byId.get(p.productId)), s.staleToleranceMs);
  const stale = new Set(ready.filter(isStale).map((p) => p.productId));
  const isDone = (p: PendingProduct) => (byId.has(p.productId) && !stale.has(p.productId)) || (p.deleteSeen && !byId.has(p.productId));

  const done: PendingProduct[] = [];
  const retry: Deferral[] = [];
  const exhausted: PendingProduct[] = [];
  for (const p of ready) {
    const attempts = p.attempts + 1;
    if (isDone(p)) done.push(p);
    else if (stale.has(p.productId)) retry.push({ productId: p.productId, version: p.version, attempts: p.attempts, staleRereads: p.staleRereads + 1, notBeforeMs: nowMs + s.staleRetryMs });
    else if (hasAttemptsLeft(p)) retry.push({ productId: p.productId, version: p.version, attempts, notBeforeMs: nowMs + missingRetryDelayMs(attempts, s.missingRetryMs) });
    else exhausted.push({ ...p, attempts });
  }
  return { current: products.filter((p) => !stale.has(p.id)), done, stale: [...stale], retry, exhausted };
}
