import type { PendingProduct } from './readiness.ts';

/**
 * Stale-read policy: is this read of a pending product older than the change its events announced?
 *
 * A read is stale when the product's `date_modified` is more than `toleranceMs` older than its newest
 * event whose scope is documented to move `date_modified` (bigcommerce/date-modified-scopes.ts),
 * AND the product has not been re-read for staleness yet. Events of other scopes (inventory, SKU,
 * modifier, metafield) never make a read stale: their changes need not move `date_modified`, and
 * treating them as stale made every such product cost six reads. A product is re-read for
 * staleness at most once; the second read is taken as the truth, whatever its `date_modified` (a
 * save that changed nothing does not move it either). Cost: at most one extra read per pending
 * record, and its settle time grows by the re-read delay.
 */
export function isStaleRead(p: Pick<PendingProduct, 'newestChangeEventAtMs' | 'staleRereads'>, dateModifiedMs: number | undefined, toleranceMs: number): boolean {
  if (p.staleRereads > 0) return false;
  if (p.newestChangeEventAtMs === undefined || dateModifiedMs === undefined) return false;
  return dateModifiedMs < p.newestChangeEventAtMs - toleranceMs;
}
