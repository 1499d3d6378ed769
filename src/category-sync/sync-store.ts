import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { BigCommerceClient } from '../bigcommerce/client.ts';
import pLimit from 'p-limit';
import { createCatalog, type Catalog } from '../bigcommerce/catalog.ts';
import type { IncludeOptions } from '../bigcommerce/catalog-paths.ts';
import type { Product } from '../bigcommerce/product.ts';
import { productFetchOptions } from '../rules/required-fields.ts';
import { planCategoryChanges, type ProductState } from '../rules/plan-category-changes.ts';
import type { ApplyCategoryPlanResult } from '../rules/apply-category-plan.ts';
import type { RuleSet } from '../rules/rule-set-schema.ts';
import type { StoreContext, StoreDirectory } from '../stores/store-directory.ts';
import type { PendingStore } from '../events/pending-store.ts';
import type { ProductHistoryStore } from '../events/product-history.ts';
import { chunkHistory } from './chunk-history.ts';
import type { Lease, LeaseManager } from './sync-lease.ts';
import { dueAtMsOf, EMPTY_READINESS, foldReadiness, isReadyNow, type DebounceSettings, type PendingProduct, type ReadinessSummary } from './readiness.ts';
import { planSyncOutcome, type SyncOutcomeSettings } from './plan-sync-outcome.ts';
import { applyCategoryPlanIsolated } from './apply-isolated.ts';
import { isItemRejection, rejectionReason, sendIsolating } from './isolate-rejections.ts';
import type { RunContext } from './run-context.ts';
import { fullSyncPagesIfCheaper } from './plan-fetch.ts';

export interface CategorySyncSettings extends DebounceSettings, SyncOutcomeSettings {
  fetchConcurrency: number;
  /** Strictly under 2,048 characters by default (the seed's limit). */
  maxUrlLength: number;
  /**
   * Pending records per Firestore page (default 5,000, ~10 MB of snapshots): with the chunk, what
   * bounds a sync's memory. Larger pages mean fewer queries (each costs O(store) on the emulator).
   */
  pageSize?: number;
  /** id:in requests per chunk (default 4): a chunk is this many times the ids one request holds, so GETs stay at ceil(N / ids-per-request). */
  requestsPerChunk?: number;
  /**
   * Longest one run works through chunks before handing the store back (SYNC_SLICE_SECONDS): what is
   * left is due at once, so a timer or the next sweep carries on (completed records are gone, so
   * nothing is read twice). Keeps a sweep request well inside Cloud Run's timeout. Default: no limit.
   */
  sliceMs?: number;
  /** Pairs per category-assignment PUT (BC_CATEGORY_ASSIGN_BATCH_SIZE); applyCategoryPlan's default when unset. */
  assignBatchSize?: number;
}

/** What the pending sync and the full-sync job (full-sync-job.ts) both work with. */
export interface SyncWorkDeps {
  pending: PendingStore;
  leases: LeaseManager;
  directory: StoreDirectory;
  /** A client for a store's credentials (shares the store's rate limiter across syncs). */
  clientFor: (store: StoreContext & { accessToken: string }) => BigCommerceClient;
  clock: Clock;
  logger: Logger;
  /** Per-product history for the app's explain screen: one entry per processed product per sync. */
  history?: ProductHistoryStore;
}

export interface CategorySyncDeps extends SyncWorkDeps {
  settings: CategorySyncSettings;
  /**
   * Starts (or joins) the store's durable full-sync job (full-sync-job.ts). When given, a sync whose
   * ready records would cost more id:in reads than paging the whole catalog hands over to the job
   * instead (the seed guide's "full catalog sync when cheaper"); the job completes the pending
   * records its pages answer.
   */
  startFullSyncJob?: (storeHash: string) => Promise<unknown>;
}

export type SyncMode = 'auto' | 'full';

/**
 * The outcome of one sync of one store. The values are also the JSON of `/tasks/full-sync`
 * (operator contract), hence `flushed` for "pending work processed".
 */
export type SyncResult =
  | { outcome: 'busy' }
  | { outcome: 'unknown-store' | 'no-credentials' }
  | { outcome: 'uninstalled'; dropped: number }
  | { outcome: 'not-due'; dueAtMs: number | undefined }
  | { outcome: 'lease-lost' }
  | ({ outcome: 'flushed'; dueAtMs: number | undefined } & SyncStats);

export interface SyncStats {
  mode: 'batched' | 'full' | 'no-rules';
  pendingRead: number;
  fetchRequests: number;
  productsFetched: number;
  /** Read but absent or stale: retried or given up. */
  missing: number;
  deferred: number;
  givenUp: number;
  completed: number;
  /** Records an event touched during the sync: they stay pending for the next one. */
  keptForNextFlush: number;
  writes: ApplyCategoryPlanResult;
  changedProducts: number;
  /** Chunks processed (each read, evaluated, written and committed before the next is read). */
  chunks: number;
  /** Pending documents read and written (the benchmark's Firestore operations per product). */
  firestoreReads: number;
  firestoreWrites: number;
}

type ActiveStore = StoreContext & { accessToken: string };

const NO_WRITES: ApplyCategoryPlanResult = { assignRequests: 0, unassignRequests: 0, assigned: 0, unassigned: 0 };
const INVALID_ID_REASON = 'invalid product id (not a positive safe integer)';

const emptyStats = (mode: SyncStats['mode']): SyncStats => ({
  mode,
  pendingRead: 0,
  fetchRequests: 0,
  productsFetched: 0,
  missing: 0,
  deferred: 0,
  givenUp: 0,
  completed: 0,
  keptForNextFlush: 0,
  writes: NO_WRITES,
  changedProducts: 0,
  chunks: 0,
  firestoreReads: 0,
  firestoreWrites: 0,
});

function addStats(a: SyncStats, b: Partial<SyncStats>): SyncStats {
  const w = b.writes ?? NO_WRITES;
  return {
    ...a,
    pendingRead: a.pendingRead + (b.pendingRead ?? 0),
    fetchRequests: a.fetchRequests + (b.fetchRequests ?? 0),
    productsFetched: a.productsFetched + (b.productsFetched ?? 0),
    missing: a.missing + (b.missing ?? 0),
    deferred: a.deferred + (b.deferred ?? 0),
    givenUp: a.givenUp + (b.givenUp ?? 0),
    completed: a.completed + (b.completed ?? 0),
    keptForNextFlush: a.keptForNextFlush + (b.keptForNextFlush ?? 0),
    writes: { assignRequests: a.writes.assignRequests + w.assignRequests, unassignRequests: a.writes.unassignRequests + w.unassignRequests, assigned: a.writes.assigned + w.assigned, unassigned: a.writes.unassigned + w.unassigned },
    changedProducts: a.changedProducts + (b.changedProducts ?? 0),
    chunks: a.chunks + (b.chunks ?? 0),
    firestoreReads: a.firestoreReads + (b.firestoreReads ?? 0),
    firestoreWrites: a.firestoreWrites + (b.firestoreWrites ?? 0),
  };
}

/** The store, or the result that ends the sync before any pending record is read. */
async function activeStore(deps: CategorySyncDeps, storeHash: string, log: Logger): Promise<ActiveStore | SyncResult> {
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
  return { ...store, accessToken: store.accessToken };
}

/** Every pending record of the store, one keyset page at a time (memory: one page). */
async function* pendingPages(deps: CategorySyncDeps, storeHash: string): AsyncGenerator<PendingProduct[]> {
  const limit = deps.settings.pageSize ?? 5_000;
  let after = 0;
  for (;;) {
    const page = await deps.pending.page(storeHash, { afterProductId: after, limit });
    if (page.length === 0) return;
    yield page;
    if (page.length < limit) return;
    after = page[page.length - 1]!.productId;
  }
}

/**
 * When paging the whole catalog (250 a page) costs strictly fewer calls than reading the ready records
 * by id:in, the durable full-sync job takes over: it is started here and driven by the scheduler
 * right after this run (store-runner.ts). The request capacity is measured on the store's largest ids,
 * the longest in a URL. Returns the result that ends this run, or undefined to read by id.
 */
async function handOverToFullSync(deps: CategorySyncDeps, store: ActiveStore, summary: ReadinessSummary, catalog: Catalog, fetch: IncludeOptions, log: Logger): Promise<SyncResult | undefined> {
  const maxId = summary.maxProductId;
  if (!deps.startFullSyncJob || maxId === undefined || summary.freshRecords === 0) return undefined;
  const sample = Array.from({ length: Math.min(250, maxId) }, (_, i) => maxId - i);
  const idsPerRequest = catalog.chunkProductIds(sample, fetch)[0]?.length ?? 1;
  const batchedCalls = Math.ceil(summary.freshRecords / idsPerRequest);
  const pages = fullSyncPagesIfCheaper({ batchedCalls, catalogTotal: store.catalogTotal });
  if (pages === undefined) return undefined;
  await deps.startFullSyncJob(store.storeHash);
  log.info({ pending: summary.freshRecords, batchedCalls, pages, catalogTotal: store.catalogTotal }, 'full catalog sync cheaper than id:in reads: job started');
  return { outcome: 'flushed', dueAtMs: undefined, ...emptyStats('full') };
}

/** Readiness of the whole pending set, folded page by page: one pass, constant memory. */
async function scanReadiness(deps: CategorySyncDeps, storeHash: string): Promise<{ summary: ReadinessSummary; reads: number }> {
  let summary = EMPTY_READINESS;
  for await (const page of pendingPages(deps, storeHash)) for (const p of page) summary = foldReadiness(summary, p);
  return { summary, reads: summary.records };
}

const isValidId = (id: unknown): id is number => Number.isSafeInteger(id) && (id as number) > 0;

/**
 * The ready records in chunks of `requestsPerChunk` × the ids one id:in request holds for this
 * store's URLs, so every chunk but the last fills its requests: GETs stay at ceil(N / ids-per-request).
 * Records with an invalid id come out alone (`invalid`), never mixed into a read.
 */
async function* readyChunks(deps: CategorySyncDeps, storeHash: string, ready: (p: PendingProduct) => boolean, catalog: Catalog | undefined, fetch: IncludeOptions): AsyncGenerator<{ chunk: PendingProduct[]; invalid: PendingProduct[]; reads: number }> {
  const perChunk = deps.settings.requestsPerChunk ?? 4;
  let buffer: PendingProduct[] = [];
  let invalid: PendingProduct[] = [];
  let reads = 0;
  let chunkSize: number | undefined;
  for await (const page of pendingPages(deps, storeHash)) {
    reads += page.length;
    for (const p of page) {
      if (!ready(p)) continue;
      if (isValidId(p.productId)) buffer.push(p);
      else invalid.push(p);
    }
    // Ids grow along the keyset scan: measure the request capacity on the newest ids.
    if (chunkSize === undefined && buffer.length >= 250) chunkSize = perChunk * (catalog ? catalog.chunkProductIds(buffer.slice(-250).map((p) => p.productId), fetch)[0]!.length : 250);
    while (chunkSize !== undefined && buffer.length >= chunkSize) {
      yield { chunk: buffer.slice(0, chunkSize), invalid, reads };
      buffer = buffer.slice(chunkSize);
      invalid = [];
      reads = 0;
    }
    // Invalid records are bounded too, even in a store that holds nothing else.
    if (invalid.length >= 1_000) {
      yield { chunk: [], invalid, reads };
      invalid = [];
      reads = 0;
    }
  }
  if (buffer.length > 0 || invalid.length > 0) yield { chunk: buffer, invalid, reads };
}

/**
 * Reads a chunk's products, `fetchConcurrency` requests at a time. The first request that fails for
 * a reason that is not one product's fault cancels the chunk's other requests (queued ones never
 * start, running ones are aborted) and fails the sync; a request BigCommerce rejects for good
 * (4xx) is bisected down to the products that cause it, which come back as `rejected`.
 */
async function readChunk(deps: CategorySyncDeps, catalog: Catalog, ids: number[], fetch: IncludeOptions): Promise<{ products: Product[]; requests: number; rejected: Map<number, string> }> {
  const cancel = new AbortController();
  const limit = pLimit(deps.settings.fetchConcurrency);
  let requests = 0;
  const rejected = new Map<number, string>();
  const send = (batch: number[]) => {
    requests++;
    return catalog.productsByIds(batch, fetch, { signal: cancel.signal });
  };
  try {
    const pages = await Promise.all(
      catalog.chunkProductIds(ids, fetch).map((chunk) =>
        limit(async () => {
          const r = await sendIsolating(chunk, send, isItemRejection);
          for (const x of r.rejected) rejected.set(x.item, rejectionReason('read', x.error));
          return r.results;
        }),
      ),
    );
    const wanted = new Set(ids);
    const products: Product[] = [];
    for (const page of pages) for (const p of page) if (wanted.has(p.id)) products.push(p);
    return { products, requests, rejected };
  } catch (err) {
    limit.clearQueue();
    cancel.abort();
    throw err;
  }
}

/** Gives up records with their reason (each reason its own trace), guarded by the version read. */
async function giveUpWithReasons(deps: CategorySyncDeps, storeHash: string, records: readonly PendingProduct[], reasonOf: (p: PendingProduct) => string, log: Logger): Promise<number> {
  if (records.length === 0) return 0;
  const byReason = new Map<string, PendingProduct[]>();
  for (const p of records) {
    const reason = reasonOf(p);
    const group = byReason.get(reason);
    if (group) group.push(p);
    else byReason.set(reason, [p]);
  }
  let n = 0;
  for (const [reason, items] of byReason) {
    n += await deps.pending.giveUp(storeHash, items, reason);
    log.warn({ productIds: items.map((p) => p.productId), reason }, 'product given up');
  }
  return n;
}

/** One chunk: read -> plan -> write -> commit. Everything it holds is released before the next chunk is read. */
async function syncChunk(deps: CategorySyncDeps, w: { storeHash: string; client: ReturnType<CategorySyncDeps['clientFor']>; catalog: Catalog; ruleSet: RuleSet; fetch: IncludeOptions; nowMs: number; lease: Lease }, chunk: PendingProduct[], log: Logger): Promise<Partial<SyncStats> | 'lease-lost'> {
  const { settings: s, clock } = deps;
  const read = await readChunk(deps, w.catalog, chunk.map((p) => p.productId), w.fetch);
  if (w.lease.lost) return 'lease-lost';
  const unreadable = chunk.filter((p) => read.rejected.has(p.productId));
  const readable = unreadable.length > 0 ? chunk.filter((p) => !read.rejected.has(p.productId)) : chunk;
  const outcome = planSyncOutcome({ ready: readable, products: read.products, nowMs: w.nowMs, settings: s });
  if (outcome.stale.length > 0) log.info({ productIds: outcome.stale }, 'product read stale');

  const changes = planCategoryChanges(outcome.current as ProductState[], w.ruleSet, clock.now());
  const { writes, rejected: unwritable } = await applyCategoryPlanIsolated(changes, w.client, { maxUrlLength: s.maxUrlLength, ...(s.assignBatchSize ? { assignBatchSize: s.assignBatchSize } : {}) });
  if (w.lease.lost) return 'lease-lost';
  // A product whose write BigCommerce refuses for good is given up, not completed and not retried forever.
  const done = unwritable.size > 0 ? outcome.done.filter((p) => !unwritable.has(p.productId)) : outcome.done;
  const refused = outcome.done.filter((p) => unwritable.has(p.productId));

  const completed = await deps.pending.complete(w.storeHash, done);
  const deferred = await deps.pending.defer(w.storeHash, outcome.retry);
  let givenUp = 0;
  if (outcome.exhausted.length > 0) givenUp += await giveUpWithReasons(deps, w.storeHash, outcome.exhausted, () => 'not found after repeated reads', log);
  givenUp += await giveUpWithReasons(deps, w.storeHash, unreadable, (p) => read.rejected.get(p.productId) ?? 'read rejected', log);
  givenUp += await giveUpWithReasons(deps, w.storeHash, refused, (p) => unwritable.get(p.productId) ?? 'write rejected', log);
  if (deps.history) {
    // Informational: a failed history write is logged, never fails the sync that did the work.
    const entries = chunkHistory({ chunk, products: read.products, readRejected: read.rejected, plan: changes, unwritable, retry: outcome.retry, exhausted: outcome.exhausted, atMs: w.nowMs });
    await deps.history.record(w.storeHash, entries).catch((err: unknown) => log.warn({ err }, 'product history write failed'));
  }
  return {
    pendingRead: chunk.length,
    fetchRequests: read.requests,
    productsFetched: read.products.length,
    missing: outcome.retry.length + outcome.exhausted.length,
    deferred: deferred.deferred,
    givenUp,
    completed: completed.removed,
    keptForNextFlush: completed.kept + deferred.kept,
    writes,
    changedProducts: changes.changedProductIds.length,
    chunks: 1,
    firestoreWrites: done.length + outcome.retry.length + outcome.exhausted.length + unreadable.length + refused.length,
  };
}

/**
 * lease -> readiness scan -> chunks (read -> apply -> commit) -> what is left, under a lease
 * already held. Memory is one page of pending records plus one chunk of products, whatever the
 * store's size; the scheduler gets its slot back between chunks (ctx.yieldSlot).
 */
async function syncLeased(deps: CategorySyncDeps, storeHash: string, mode: SyncMode, lease: Lease, log: Logger, ctx?: RunContext): Promise<SyncResult> {
  const { settings: s, clock } = deps;
  const store = await activeStore(deps, storeHash, log);
  if (!('storeHash' in store)) return store;
  const nowMs = clock.now();
  let sliceEnded = false;
  const scan = await scanReadiness(deps, storeHash);
  const readyNow = (p: PendingProduct) => mode === 'full' || isReadyNow(p, scan.summary, nowMs, s);
  const dueAtMs = dueAtMsOf(scan.summary, s);
  if (mode !== 'full' && (dueAtMs === undefined || dueAtMs > nowMs)) return { outcome: 'not-due', dueAtMs };

  const ruleSet = store.ruleSet;
  const client = deps.clientFor(store);
  const catalog = createCatalog(client, { maxUrlLength: s.maxUrlLength });
  const ruleFields = ruleSet ? productFetchOptions(ruleSet) : { includeFields: [] };
  // date_modified tells a stale read (eventual consistency) from a current one.
  const fetch: IncludeOptions = { ...ruleFields, includeFields: [...new Set([...(ruleFields.includeFields ?? []), 'date_modified'])] };
  if (mode === 'auto' && ruleSet) {
    const handedOver = await handOverToFullSync(deps, store, scan.summary, catalog, fetch, log);
    if (handedOver) return handedOver;
  }
  let stats = addStats(emptyStats(ruleSet ? 'batched' : 'no-rules'), { firestoreReads: scan.reads });
  let lastEventAtMs: number | undefined;

  for await (const { chunk, invalid, reads } of readyChunks(deps, storeHash, readyNow, ruleSet ? catalog : undefined, fetch)) {
    for (const p of chunk) if (lastEventAtMs === undefined || p.lastSeenAtMs > lastEventAtMs) lastEventAtMs = p.lastSeenAtMs;
    stats = addStats(stats, { firestoreReads: reads });
    // A record no request could carry: given up with its reason, never allowed to fail the store.
    const invalidGivenUp = await giveUpWithReasons(deps, storeHash, invalid, () => INVALID_ID_REASON, log);
    stats = addStats(stats, { pendingRead: invalid.length, givenUp: invalidGivenUp, firestoreWrites: invalid.length });
    if (chunk.length === 0) continue;
    if (!ruleSet) {
      // Nothing decides membership for this store: reading products would spend quota for nothing.
      const done = await deps.pending.complete(storeHash, chunk);
      stats = addStats(stats, { pendingRead: chunk.length, completed: done.removed, keptForNextFlush: done.kept, chunks: 1, firestoreWrites: chunk.length });
      continue;
    }
    const r = await syncChunk(deps, { storeHash, client, catalog, ruleSet, fetch, nowMs, lease }, chunk, log);
    if (r === 'lease-lost') return { outcome: 'lease-lost' };
    stats = addStats(stats, r);
    if (ctx?.signal.aborted) break;
    if (s.sliceMs !== undefined && clock.now() - nowMs >= s.sliceMs) {
      sliceEnded = true;
      break;
    }
    await ctx?.yieldSlot();
    if (lease.lost) return { outcome: 'lease-lost' };
  }
  if (!ruleSet) log.warn({ products: stats.completed }, 'no category rules for store');
  await deps.directory.recordSync(storeHash, { syncedAtMs: clock.now(), lastEventAtMs });

  // What is left (deferred retries, records touched meanwhile, events that arrived during the sync);
  // after a slice that ended early, the rest is due now.
  let next: number | undefined = clock.now();
  if (!sliceEnded) {
    const left = await scanReadiness(deps, storeHash);
    stats = addStats(stats, { firestoreReads: left.reads });
    next = dueAtMsOf(left.summary, s);
  }
  log.info({ outcome: 'flushed', dueAtMs: next, sliceEnded, ...stats }, 'flush done');
  return { outcome: 'flushed', dueAtMs: next, ...stats };
}

/**
 * One category sync of one store: everything ready is read from BigCommerce in as few calls as
 * possible, the rules decide category membership from the *current* state (never from event
 * order), only real changes are written, and the pending records are removed only if no event
 * touched them meanwhile. Safe to run twice: a second run finds nothing ready, or re-reads and
 * plans nothing. Bounded: the pending set is paged by product id and processed in chunks, so a
 * store of any size costs one chunk of memory; one bad record (invalid id, a product BigCommerce
 * refuses to read or write) is given up with its reason while the rest proceeds. The catalog-wide
 * full sync is a durable job of its own (full-sync-job.ts).
 *
 * Every decision in it is a pure function (readiness folds, planSyncOutcome, planCategoryChanges).
 */
export function createCategorySync(deps: CategorySyncDeps) {
  /** Syncs one store under its lease; 'busy' when another run (here or on another instance) holds it. */
  async function syncStore(storeHash: string, mode: SyncMode = 'auto', ctx?: RunContext): Promise<SyncResult> {
    const lease = await deps.leases.tryAcquire(storeHash);
    if (!lease) return { outcome: 'busy' };
    // `flushId` and the messages 'flush done' / 'flush failed' are what the log-based metrics and the benchmarks key on.
    const log = deps.logger.child({ storeHash, flushId: randomUUID().slice(0, 8) });
    log.debug('category sync lease held');
    try {
      return await syncLeased(deps, storeHash, mode, lease, log, ctx);
    } catch (err) {
      log.error({ err }, 'flush failed');
      throw err;
    } finally {
      log.debug('category sync lease released');
      await lease.release();
    }
  }

  return { syncStore };
}

export type CategorySync = ReturnType<typeof createCategorySync>;
