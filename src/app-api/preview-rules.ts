import type { ProductState } from '../rules/plan-category-changes.ts';
import { createPreviewTally, type PreviewTotals } from '../rules/preview-tally.ts';
import { productFetchOptions } from '../rules/required-fields.ts';
import type { RuleSet } from '../rules/rule-set-schema.ts';
import { isAppError, ErrorCode } from '../errors.ts';
import { readCatalog, type CatalogTransport } from './catalog-reads.ts';

export interface PreviewProgress {
  productsRead: number;
  /** Products still to read, as BigCommerce counts them now. */
  remaining: number;
  requests: number;
}

export interface PreviewResult extends PreviewTotals {
  /** Catalog reads sent (GET, 250 products each). */
  requests: number;
  /** API calls that would write anything: always 0 for a preview. */
  writes: 0;
  /** true when cancelled before the end: the counts cover the products read so far. */
  cancelled: boolean;
  durationMs: number;
}

export interface PreviewOptions {
  client: CatalogTransport;
  ruleSet: RuleSet;
  nowMs: () => number;
  /** Products listed per rule for adds and removals (default 10). */
  sampleSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: PreviewProgress) => void;
}

/**
 * Dry run: what applying `ruleSet` to the store's current catalog would change, writing nothing.
 * Reads the whole catalog in keyset pages of 250 through the store's paced client (the category
 * sync's path and rate limiter), keeping only counts and samples: memory does not grow with the
 * catalog. Cancelled through `signal` between pages; the partial result says so.
 */
export async function previewRules(opts: PreviewOptions): Promise<PreviewResult> {
  const started = opts.nowMs();
  const tally = createPreviewTally(opts.ruleSet, { nowMs: started, sampleSize: opts.sampleSize ?? 10 });
  const fields = productFetchOptions(opts.ruleSet);
  const fetch = { includeFields: [...new Set([...fields.includeFields, 'name', 'sku'])].sort(), include: fields.include };
  let requests = 0;
  let read = 0;
  let cancelled = false;
  try {
    for await (const page of readCatalog(opts.client, { ...fetch, ...(opts.signal ? { signal: opts.signal } : {}) })) {
      requests++;
      read += page.products.length;
      tally.add(page.products as ProductState[]);
      opts.onProgress?.({ productsRead: read, remaining: page.remaining, requests });
    }
  } catch (err) {
    if (!isAppError(err, ErrorCode.APP_CANCELLED)) throw err;
    cancelled = true;
  }
  return { ...tally.result(), requests, writes: 0, cancelled, durationMs: opts.nowMs() - started };
}
