import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { BigCommerceClient } from '../bigcommerce/client.ts';
import { PRODUCTS_BY_IDS_PREFIX, productsByIdsSuffix } from '../bigcommerce/catalog-paths.ts';
import type { Product } from '../bigcommerce/product.ts';
import { productFetchOptions } from '../rules/required-fields.ts';
import { parseIsoDateMs } from '../rules/parse-iso-date.ts';
import { planCategoryChanges, type ProductState } from '../rules/plan-category-changes.ts';
import { applyCategoryPlan, type ApplyCategoryPlanResult } from '../rules/apply-category-plan.ts';
import type { StoreContext, StoreDirectory } from '../stores/store-directory.ts';
import { chunkIds } from '../bigcommerce/chunk-ids.ts';
import { planFetch, FULL_SYNC_PAGE_SIZE } from './plan-fetch.ts';
import type { LeaseManager } from './sync-lease.ts';
import type { PendingStore } from '../events/pending-store.ts';
import { flushReadiness, missingRetryDelayMs, type PendingProduct } from './readiness.ts';

export interface FlushSettings {
  windowMs: number;
  maxWaitMs: number;
  missingMaxAttempts: number;
  missingRetryMs: number;
  /** A read is stale when its date_modified is older than the newest event by more than this. */
  staleToleranceMs: number;
  fetchConcurrency: number;
  /** Strictly under 2,048 characters by default (the seed's limit). */
  maxUrlLength: number;
}

export interface FlushDeps {
  pending: PendingStore;
  leases: LeaseManager;
  directory: StoreDirectory;
  /** A client for a store's credentials (shares the store's rate limiter across flushes). */
  clientFor: (store: StoreContext & { accessToken: string }) => BigCommerceClient;
  clock: Clock;
  logger: Logger;
  settings: FlushSettings;
}

export type FlushMode = 'auto' | 'full';

export type FlushResult =
  | { outcome: 'busy' }
  | { outcome: 'unknown-store' | 'no-credentials' }
  | { outcome: 'uninstalled'; dropped: number }
  | { outcome: 'not-due'; dueAtMs: number | undefined }
  | { outcome: 'lease-lost' }
  | ({ outcome: 'flushed'; dueAtMs: number | undefined } & FlushStats);

export interface FlushStats {
  mode: 'batched' | 'full' | 'no-rules';
  pendingRead: number;
  fetchRequests: number;
  productsFetched: number;
  missing: number;
  deferred: number;
  givenUp: number;
  completed: number;
  keptForNextFlush: number;
  writes: ApplyCategoryPlanResult;
  changedProducts: number;
}

const NO_WRITES: ApplyCategoryPlanResult = { assignRequests: 0, unassignRequests: 0, assigned: 0, unassigned: 0 };

/**
 * One flush of one store: everything ready is read from BigCommerce in as few calls as possible,
 * the rules decide category membership from the *current* state (never from event order), only real
 * changes are written, and the pending records are removed only if no event touched them meanwhile.
 * Safe to run twice: a second run finds nothing ready, or re-reads and plans nothing.
 */
export function createFlusher(deps: FlushDeps) {
  const { settings: s, logger } = deps;

  async function fetchBatched(client: BigCommerceClient, ids: number[], chunks: number[][], fetchOpts: ReturnType<typeof productFetchOptions>) {
    const limit = pLimit(s.fetchConcurrency);
    const pages = await Promise.all(chunks.map((chunk) => limit(() => client.getProductsByIds(chunk, fetchOpts))));
    const wanted = new Set(ids);
    return { products: pages.flat().filter((p) => wanted.has(p.id)), requests: chunks.length };
  }

  async function fetchAll(client: BigCommerceClient, fetchOpts: ReturnType<typeof productFetchOptions>) {
    const products: Product[] = [];
    let page = 1;
    let total: number;
    for (;;) {
      const r = await client.listProducts({ page, limit: FULL_SYNC_PAGE_SIZE, ...fetchOpts });
      products.push(...r.products);
      total = r.pagination.total;
      if (r.products.length === 0 || page >= r.pagination.total_pages) break;
      page++;
    }
    return { products, requests: page, total };
  }

  async function flushStore(storeHash: string, mode: FlushMode = 'auto'): Promise<FlushResult> {
    const lease = await deps.leases.tryAcquire(storeHash);
    if (!lease) return { outcome: 'busy' };
    const log = logger.child({ storeHash, flushId: randomUUID().slice(0, 8) });
    log.debug('flush lease held');
    try {
      const store = await deps.directory.get(storeHash);
      if (!store) {
        // Not a store of ours (never installed, or forgotten): its events would pile up forever.
        const dropped = await deps.pending.dropStore(storeHash, 'unknown-store');
        if (dropped > 0) log.warn({ dropped }, 'pending work dropped for unknown store');
        return { outcome: 'unknown-store' };
      }
      if (store.status === 'uninstalled') {
        const dropped = await deps.pending.dropStore(storeHash, 'uninstalled');
        if (dropped > 0) log.info({ dropped }, 'pending work dropped for uninstalled store');
        return { outcome: 'uninstalled', dropped };
      }
      if (!store.accessToken) return { outcome: 'no-credentials' };

      const now = deps.clock.now();
      const pending = await deps.pending.load(storeHash);
      const readiness = flushReadiness(pending, now, s);
      const ready = mode === 'full' ? pending : readiness.ready;
      if (ready.length === 0 && mode !== 'full') return { outcome: 'not-due', dueAtMs: readiness.dueAtMs };
      const lastEventAtMs = ready.length > 0 ? Math.max(...ready.map((p) => p.lastSeenAtMs)) : undefined;

      if (!store.ruleSet) {
        // Nothing decides membership for this store: reading products would spend quota for nothing.
        const done = await deps.pending.complete(storeHash, ready);
        log.warn({ products: ready.length }, 'no category rules for store');
        await deps.directory.recordFlush(storeHash, { flushedAtMs: now, lastEventAtMs });
        return result('no-rules', ready, 0, 0, [], 0, 0, done, NO_WRITES, 0);
      }

      const client = deps.clientFor({ ...store, accessToken: store.accessToken });
      const ruleFields = productFetchOptions(store.ruleSet);
      // date_modified tells a stale read (eventual consistency) from a current one.
      const fetchOpts = { ...ruleFields, includeFields: [...new Set([...ruleFields.includeFields, 'date_modified'])] };
      const ids = ready.map((p) => p.productId);
      const plan =
        mode === 'full'
          ? ({ mode: 'full' } as const)
          : planFetch({
              pendingIds: ids,
              catalogTotal: store.catalogTotal,
              idsPerRequest: (list) =>
                chunkIds(list, {
                  urlPrefix: client.requestUrl(PRODUCTS_BY_IDS_PREFIX),
                  urlSuffix: productsByIdsSuffix(250, fetchOpts),
                  maxUrlLength: s.maxUrlLength,
                }),
            });

      let products: Product[];
      let requests: number;
      let catalogTotal: number | undefined;
      if (plan.mode === 'full') {
        ({ products, requests, total: catalogTotal } = await fetchAll(client, fetchOpts));
        log.info({ pending: ids.length, requests, catalogTotal }, 'full catalog sync');
      } else {
        ({ products, requests } = await fetchBatched(client, ids, plan.chunks, fetchOpts));
      }

      if (lease.lost) return { outcome: 'lease-lost' };
      // A product read older than its newest event is not readable yet: like a 404, read it again
      // later; on the last attempt its current read is taken as the truth rather than dropped.
      const byId = new Map(products.map((p) => [p.id, p]));
      const stale = new Set(
        ready
          .filter((p) => {
            const read = byId.get(p.productId);
            const modified = typeof read?.date_modified === 'string' ? parseIsoDateMs(read.date_modified) : undefined;
            return read && p.newestEventAtMs !== undefined && modified !== undefined && modified < p.newestEventAtMs - s.staleToleranceMs && p.attempts + 1 < s.missingMaxAttempts;
          })
          .map((p) => p.productId),
      );
      const current = products.filter((p) => !stale.has(p.id));
      if (stale.size > 0) log.info({ productIds: [...stale] }, 'product read stale');
      const changes = planCategoryChanges(current as ProductState[], store.ruleSet, deps.clock.now());
      const writes = await applyCategoryPlan(changes, { assign: (pairs) => client.assignCategories(pairs), unassign: (c, p) => client.unassignCategories(c, p) }, { baseUrlLength: client.requestUrl('').length, maxUrlLength: s.maxUrlLength });

      const found = new Set(current.map((p) => p.id));
      // Done: read current, or gone after a delete event. Everything else (absent, stale) is read again.
      const isDone = (p: PendingProduct) => found.has(p.productId) || (p.deleteSeen && !byId.has(p.productId));
      const done = ready.filter(isDone);
      const missing = ready.filter((p) => !isDone(p));
      const exhausted = missing.filter((p) => p.attempts + 1 >= s.missingMaxAttempts);
      const retry = missing.filter((p) => p.attempts + 1 < s.missingMaxAttempts);

      const completed = await deps.pending.complete(storeHash, done);
      const deferred = await deps.pending.defer(
        storeHash,
        retry.map((p) => ({ productId: p.productId, version: p.version, attempts: p.attempts + 1, notBeforeMs: now + missingRetryDelayMs(p.attempts + 1, s.missingRetryMs) })),
      );
      let givenUp = 0;
      if (exhausted.length > 0) {
        givenUp = await deps.pending.giveUp(storeHash, exhausted.map((p) => ({ ...p, attempts: p.attempts + 1 })), 'not found after repeated reads');
        log.warn({ productIds: exhausted.map((p) => p.productId), attempts: s.missingMaxAttempts }, 'product given up');
      }
      await deps.directory.recordFlush(storeHash, { flushedAtMs: deps.clock.now(), lastEventAtMs, catalogTotal });

      const r = result(plan.mode, ready, requests, products.length, missing, deferred.deferred, givenUp, completed, writes, changes.changedProductIds.length);
      r.keptForNextFlush += deferred.kept;
      // What is left (deferred retries, records touched meanwhile, events that arrived during the flush).
      r.dueAtMs = flushReadiness(await deps.pending.load(storeHash), deps.clock.now(), s).dueAtMs;
      log.info({ ...r, writes }, 'flush done');
      return r;
    } catch (err) {
      log.error({ err }, 'flush failed');
      throw err;
    } finally {
      log.debug('flush lease released');
      await lease.release();
    }
  }

  function result(
    mode: FlushStats['mode'],
    ready: PendingProduct[],
    fetchRequests: number,
    productsFetched: number,
    missing: PendingProduct[],
    deferred: number,
    givenUp: number,
    completed: { removed: number; kept: number },
    writes: ApplyCategoryPlanResult,
    changedProducts: number,
  ): Extract<FlushResult, { outcome: 'flushed' }> {
    return {
      outcome: 'flushed',
      dueAtMs: undefined,
      mode,
      pendingRead: ready.length,
      fetchRequests,
      productsFetched,
      missing: missing.length,
      deferred,
      givenUp,
      completed: completed.removed,
      keptForNextFlush: completed.kept,
      writes,
      changedProducts,
    };
  }

  return { flushStore };
}

export type Flusher = ReturnType<typeof createFlusher>;
