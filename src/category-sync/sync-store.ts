import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { BigCommerceClient } from '../bigcommerce/client.ts';
import { createCatalog, type Catalog } from '../bigcommerce/catalog.ts';
import { createCategoryAssignments } from '../bigcommerce/category-assignments.ts';
import { productFetchOptions } from '../rules/required-fields.ts';
import { planCategoryChanges, type ProductState } from '../rules/plan-category-changes.ts';
import { applyCategoryPlan, type ApplyCategoryPlanResult } from '../rules/apply-category-plan.ts';
import type { RuleSet } from '../rules/rule-set-schema.ts';
import type { StoreContext, StoreDirectory } from '../stores/store-directory.ts';
import type { PendingStore } from '../events/pending-store.ts';
import type { Lease, LeaseManager } from './sync-lease.ts';
import { syncReadiness, type DebounceSettings, type PendingProduct } from './readiness.ts';
import { planSyncOutcome, type SyncOutcome, type SyncOutcomeSettings } from './plan-sync-outcome.ts';
import { readProducts, type ProductRead } from './read-products.ts';

export interface CategorySyncSettings extends DebounceSettings, SyncOutcomeSettings {
  fetchConcurrency: number;
  /** Strictly under 2,048 characters by default (the seed's limit). */
  maxUrlLength: number;
  /** Pairs per category-assignment PUT (BC_CATEGORY_ASSIGN_BATCH_SIZE); applyCategoryPlan's default when unset. */
  assignBatchSize?: number;
}

export interface CategorySyncDeps {
  pending: PendingStore;
  leases: LeaseManager;
  directory: StoreDirectory;
  /** A client for a store's credentials (shares the store's rate limiter across syncs). */
  clientFor: (store: StoreContext & { accessToken: string }) => BigCommerceClient;
  clock: Clock;
  logger: Logger;
  settings: CategorySyncSettings;
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
}

type ActiveStore = StoreContext & { accessToken: string };

/** What a sync works on, once the store is known, active and something is due. */
interface Work {
  store: ActiveStore;
  ready: PendingProduct[];
  nowMs: number;
  /** Newest event of the records read, recorded on the store for gap backfill. */
  lastEventAtMs: number | undefined;
}

const NO_WRITES: ApplyCategoryPlanResult = { assignRequests: 0, unassignRequests: 0, assigned: 0, unassigned: 0 };

/** The store and its due records, or the result that ends the sync before any BigCommerce call. */
async function loadWork(deps: CategorySyncDeps, storeHash: string, mode: SyncMode, log: Logger): Promise<Work | SyncResult> {
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
  const nowMs = deps.clock.now();
  const pending = await deps.pending.load(storeHash);
  const readiness = syncReadiness(pending, nowMs, deps.settings);
  const ready = mode === 'full' ? pending : readiness.ready;
  if (ready.length === 0 && mode !== 'full') return { outcome: 'not-due', dueAtMs: readiness.dueAtMs };
  const lastEventAtMs = ready.length > 0 ? Math.max(...ready.map((p) => p.lastSeenAtMs)) : undefined;
  return { store: { ...store, accessToken: store.accessToken }, ready, nowMs, lastEventAtMs };
}

/** A store without rules: nothing decides membership, so reading products would spend quota for nothing. */
async function completeWithoutRules(deps: CategorySyncDeps, work: Work, log: Logger): Promise<SyncResult> {
  const { store, ready } = work;
  const done = await deps.pending.complete(store.storeHash, ready);
  log.warn({ products: ready.length }, 'no category rules for store');
  await deps.directory.recordSync(store.storeHash, { syncedAtMs: work.nowMs, lastEventAtMs: work.lastEventAtMs });
  const stats: SyncStats = { mode: 'no-rules', pendingRead: ready.length, fetchRequests: 0, productsFetched: 0, missing: 0, deferred: 0, givenUp: 0, completed: done.removed, keptForNextFlush: done.kept, writes: NO_WRITES, changedProducts: 0 };
  return { outcome: 'flushed', dueAtMs: undefined, ...stats };
}

/** The products the rules need (their fields plus date_modified), in as few calls as possible. */
async function readForRules(deps: CategorySyncDeps, catalog: Catalog, work: Work, ruleSet: RuleSet, mode: SyncMode, log: Logger): Promise<ProductRead> {
  const ruleFields = productFetchOptions(ruleSet);
  // date_modified tells a stale read (eventual consistency) from a current one.
  const fetch = { ...ruleFields, includeFields: [...new Set([...ruleFields.includeFields, 'date_modified'])] };
  const ids = work.ready.map((p) => p.productId);
  const r = await readProducts(catalog, { ids, mode, catalogTotal: work.store.catalogTotal, fetch, concurrency: deps.settings.fetchConcurrency });
  if (r.mode === 'full') log.info({ pending: ids.length, requests: r.requests, catalogTotal: r.catalogTotal }, 'full catalog sync');
  return r;
}

/** Removes what is done, defers what is retried, gives up what is exhausted: each guarded by the record's version. */
async function commitOutcome(deps: CategorySyncDeps, storeHash: string, outcome: SyncOutcome, log: Logger) {
  const completed = await deps.pending.complete(storeHash, outcome.done);
  const deferred = await deps.pending.defer(storeHash, outcome.retry);
  let givenUp = 0;
  if (outcome.exhausted.length > 0) {
    givenUp = await deps.pending.giveUp(storeHash, outcome.exhausted, 'not found after repeated reads');
    log.warn({ productIds: outcome.exhausted.map((p) => p.productId), attempts: deps.settings.missingMaxAttempts }, 'product given up');
  }
  return { completed: completed.removed, deferred: deferred.deferred, givenUp, kept: completed.kept + deferred.kept };
}

/** load -> read -> apply -> commit, under a lease already held. */
async function syncLeased(deps: CategorySyncDeps, storeHash: string, mode: SyncMode, lease: Lease, log: Logger): Promise<SyncResult> {
  const { settings: s, clock } = deps;
  const work = await loadWork(deps, storeHash, mode, log);
  if (!('store' in work)) return work;
  const { store, ready } = work;
  if (!store.ruleSet) return completeWithoutRules(deps, work, log);

  const client = deps.clientFor(store);
  const fetched = await readForRules(deps, createCatalog(client, { maxUrlLength: s.maxUrlLength }), work, store.ruleSet, mode, log);
  if (lease.lost) return { outcome: 'lease-lost' };
  const outcome = planSyncOutcome({ ready, products: fetched.products, nowMs: work.nowMs, settings: s });
  if (outcome.stale.length > 0) log.info({ productIds: outcome.stale }, 'product read stale');

  const changes = planCategoryChanges(outcome.current as ProductState[], store.ruleSet, clock.now());
  const writes = await applyCategoryPlan(changes, createCategoryAssignments(client, { maxUrlLength: s.maxUrlLength }), s.assignBatchSize ? { assignBatchSize: s.assignBatchSize } : {});
  const committed = await commitOutcome(deps, storeHash, outcome, log);
  await deps.directory.recordSync(storeHash, { syncedAtMs: clock.now(), lastEventAtMs: work.lastEventAtMs, catalogTotal: fetched.catalogTotal });

  const stats: SyncStats = {
    mode: fetched.mode,
    pendingRead: ready.length,
    fetchRequests: fetched.requests,
    productsFetched: fetched.products.length,
    missing: outcome.retry.length + outcome.exhausted.length,
    deferred: committed.deferred,
    givenUp: committed.givenUp,
    completed: committed.completed,
    keptForNextFlush: committed.kept,
    writes,
    changedProducts: changes.changedProductIds.length,
  };
  // What is left (deferred retries, records touched meanwhile, events that arrived during the sync).
  const dueAtMs = syncReadiness(await deps.pending.load(storeHash), clock.now(), s).dueAtMs;
  log.info({ outcome: 'flushed', dueAtMs, ...stats }, 'flush done');
  return { outcome: 'flushed', dueAtMs, ...stats };
}

/**
 * One category sync of one store: everything ready is read from BigCommerce in as few calls as
 * possible, the rules decide category membership from the *current* state (never from event
 * order), only real changes are written, and the pending records are removed only if no event
 * touched them meanwhile. Safe to run twice: a second run finds nothing ready, or re-reads and
 * plans nothing.
 *
 * The sequence is lease -> load -> read -> apply -> commit (the step functions above); every
 * decision in it is a pure function (syncReadiness, planFetch, planSyncOutcome, planCategoryChanges).
 */
export function createCategorySync(deps: CategorySyncDeps) {
  /** Syncs one store under its lease; 'busy' when another run (here or on another instance) holds it. */
  async function syncStore(storeHash: string, mode: SyncMode = 'auto'): Promise<SyncResult> {
    const lease = await deps.leases.tryAcquire(storeHash);
    if (!lease) return { outcome: 'busy' };
    // `flushId` and the messages 'flush done' / 'flush failed' are what the log-based metrics and the benchmarks key on.
    const log = deps.logger.child({ storeHash, flushId: randomUUID().slice(0, 8) });
    log.debug('category sync lease held');
    try {
      return await syncLeased(deps, storeHash, mode, lease, log);
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
