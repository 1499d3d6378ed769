import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { BigCommerceClient } from '../bigcommerce/client.ts';
import { createCatalog, type Catalog } from '../bigcommerce/catalog.ts';
import type { IncludeOptions } from '../bigcommerce/catalog-paths.ts';
import type { RuleSet } from '../rules/rule-set-schema.ts';
import type { Product } from '../bigcommerce/product.ts';
import { fullSyncPageHistory } from './chunk-history.ts';
import { parseIsoDateMs } from '../rules/parse-iso-date.ts';
import { planCategoryChanges, type ProductState } from '../rules/plan-category-changes.ts';
import type { ApplyCategoryPlanResult } from '../rules/apply-category-plan.ts';
import { productFetchOptions } from '../rules/required-fields.ts';
import type { StoreContext } from '../stores/store-directory.ts';
import { applyCategoryPlanIsolated } from './apply-isolated.ts';
import { FULL_SYNC_PAGE_SIZE } from './plan-fetch.ts';
import { jobProgress, type FullSyncJob, type FullSyncJobStore, type JobProgress } from './full-sync-job-store.ts';
import { isStaleRead } from './stale-read.ts';
import type { Lease } from './sync-lease.ts';
import type { RunContext } from './run-context.ts';
import type { SyncResult, SyncWorkDeps } from './sync-store.ts';
import type { PendingProduct } from './readiness.ts';

export interface FullSyncJobSettings {
  /** Longest one run works on a job before handing the store back (well inside a request timeout). */
  sliceMs: number;
  staleToleranceMs: number;
  maxUrlLength: number;
  /** Products per catalog page (default and maximum 250). */
  pageSize?: number;
}

export interface FullSyncJobDeps extends SyncWorkDeps {
  jobs: FullSyncJobStore;
  settings: FullSyncJobSettings;
}

/**
 * Resumable full catalog syncs (issue #12): a durable job per store (full-sync-job-store.ts) that
 * any run of the store drives forward from its cursor, one catalog page at a time: read the page
 * (keyset, only the fields the rules need), evaluate the rules, write the changes, complete the
 * pending records the page answered, advance the cursor. Memory is one page, whatever the catalog.
 * A run works for at most `sliceMs`, yields its scheduler slot between pages, and stops at a page
 * boundary when its lease is lost or the scheduler stops; the next run resumes from the cursor.
 */
type ActiveStore = StoreContext & { accessToken: string; ruleSet: RuleSet };
type Progress = ReturnType<typeof progressOf>;
interface SliceStats {
  pages: number;
  products: number;
  changed: number;
  completed: number;
  kept: number;
  rejected: number;
  firestoreReads: number;
  firestoreWrites: number;
  writes: ApplyCategoryPlanResult;
}

/** Completes the pending records in (afterId, lastId] that this page answered (read current, or gone after a delete). */
async function completeAnswered(deps: FullSyncJobDeps, storeHash: string, afterId: number, lastId: number, products: readonly Product[]): Promise<{ reads: number; completed: number; kept: number; answered: PendingProduct[] }> {
  const byId = new Map(products.map((p) => [p.id, p]));
  // The records this page answered, for the product history: bounded by the page's id range.
  const answeredAll: PendingProduct[] = [];
  let reads = 0;
  let completed = 0;
  let kept = 0;
  let cursor = afterId;
  for (;;) {
    const page = await deps.pending.page(storeHash, { afterProductId: cursor, maxProductId: lastId, limit: 500 });
    reads += page.length;
    if (page.length === 0) break;
    const answered = page.filter((p: PendingProduct) => {
      const read = byId.get(p.productId);
      if (!read) return p.deleteSeen;
      const modifiedMs = typeof read.date_modified === 'string' ? parseIsoDateMs(read.date_modified) : undefined;
      return !isStaleRead(p, modifiedMs, deps.settings.staleToleranceMs);
    });
    const r = await deps.pending.complete(storeHash, answered);
    answeredAll.push(...answered);
    completed += r.removed;
    kept += r.kept;
    cursor = page[page.length - 1]!.productId;
    if (page.length < 500) break;
  }
  return { reads, completed, kept, answered: answeredAll };
}

/** The job and its store when there is work to do, or the result that ends the run (finishing a job nothing can drive). */
async function loadJob(deps: FullSyncJobDeps, storeHash: string, log: Logger): Promise<{ job: FullSyncJob; store: ActiveStore } | { end: SyncResult; finished: boolean }> {
  const job = await deps.jobs.get(storeHash);
  if (!job || job.state !== 'running') return { end: { outcome: 'not-due', dueAtMs: undefined }, finished: true };
  const store = await deps.directory.get(storeHash);
  if (!store) {
    await deps.jobs.advance(storeHash, { ...progressOf(job), finished: true }, deps.clock.now());
    return { end: { outcome: 'unknown-store' }, finished: true };
  }
  if (store.status !== 'uninstalled' && !store.accessToken) return { end: { outcome: 'no-credentials' }, finished: false };
  if (store.status === 'uninstalled' || !store.ruleSet || !store.accessToken) {
    // Nothing will ever sync this catalog (gone, or no rules decide anything): the job ends here.
    if (!store.ruleSet) log.warn('no category rules for store');
    await deps.jobs.advance(storeHash, { ...progressOf(job), finished: true }, deps.clock.now());
    return { end: store.status === 'uninstalled' ? { outcome: 'uninstalled', dropped: 0 } : { outcome: 'not-due', dueAtMs: undefined }, finished: true };
  }
  return { job, store: { ...store, accessToken: store.accessToken, ruleSet: store.ruleSet } };
}

/** One catalog page: read, evaluate, write, complete what it answered, advance the cursor. Returns whether the job is done. */
async function syncPage(deps: FullSyncJobDeps, w: { storeHash: string; store: ActiveStore; client: BigCommerceClient; catalog: Catalog; fetch: IncludeOptions; lease: Lease; log: Logger }, p: Progress, stats: SliceStats): Promise<boolean | 'lease-lost'> {
  const { clock, settings: s } = deps;
  const page = await w.catalog.productsAfter(p.cursor, { ...w.fetch, limit: s.pageSize ?? FULL_SYNC_PAGE_SIZE });
  p.requests++;
  stats.pages++;
  const products = page.products;
  const lastId = page.lastId ?? products.reduce((m, x) => (x.id > m ? x.id : m), p.cursor);
  const finished = page.lastId === undefined;
  if (products.length > 0) {
    const changes = planCategoryChanges(products as ProductState[], w.store.ruleSet, clock.now());
    const { writes, rejected } = await applyCategoryPlanIsolated(changes, w.client, { maxUrlLength: s.maxUrlLength });
    stats.writes = addWrites(stats.writes, writes);
    if (rejected.size > 0) {
      stats.rejected += rejected.size;
      w.log.warn({ products: Object.fromEntries(rejected) }, 'category write rejected');
    }
    if (w.lease.lost) return 'lease-lost';
    const done = await completeAnswered(deps, w.storeHash, p.cursor, finished ? Number.MAX_SAFE_INTEGER : lastId, products);
    if (deps.history) {
      const entries = fullSyncPageHistory({ products, plan: changes, unwritable: rejected, answered: done.answered, atMs: clock.now() });
      // Informational: a failed history write is logged, never fails the job.
      if (entries.length > 0) await deps.history.record(w.storeHash, entries).catch((err: unknown) => w.log.warn({ err }, 'product history write failed'));
    }
    stats.firestoreReads += done.reads;
    stats.firestoreWrites += done.completed + done.kept;
    stats.completed += done.completed;
    stats.kept += done.kept;
    p.done += products.length;
    p.changed += changes.changedProductIds.length;
    stats.products += products.length;
    stats.changed += changes.changedProductIds.length;
  }
  // The listing's total counts what remains from this page's start.
  p.total = p.done - products.length + page.remaining;
  p.cursor = lastId;
  await deps.jobs.advance(w.storeHash, { ...p, finished }, clock.now());
  stats.firestoreWrites++;
  return finished;
}

function sliceResult(stats: SliceStats, dueAtMs: number | undefined): SyncResult {
  return {
    outcome: 'flushed',
    dueAtMs,
    mode: 'full',
    pendingRead: stats.completed + stats.kept,
    fetchRequests: stats.pages,
    productsFetched: stats.products,
    missing: 0,
    deferred: 0,
    givenUp: 0,
    completed: stats.completed,
    keptForNextFlush: stats.kept,
    writes: stats.writes,
    changedProducts: stats.changed,
    chunks: stats.pages,
    firestoreReads: stats.firestoreReads,
    firestoreWrites: stats.firestoreWrites,
  };
}

export function createFullSyncJobs(deps: FullSyncJobDeps) {
  const { settings: s, clock, logger } = deps;
  /** Stores with a running job as far as this instance knows (start, sweep listings, finish). */
  const runningHere = new Set<string>();

  /** Drives the store's job from its cursor for at most `sliceMs`, page by page, under the store's lease. */
  async function runSlice(storeHash: string, ctx?: RunContext): Promise<SyncResult> {
    const lease = await deps.leases.tryAcquire(storeHash);
    if (!lease) return { outcome: 'busy' };
    const log = logger.child({ storeHash, flushId: randomUUID().slice(0, 8) });
    const startedMs = clock.now();
    const stats: SliceStats = { pages: 0, products: 0, changed: 0, completed: 0, kept: 0, rejected: 0, firestoreReads: 1, firestoreWrites: 0, writes: { assignRequests: 0, unassignRequests: 0, assigned: 0, unassigned: 0 } };
    try {
      const loaded = await loadJob(deps, storeHash, log);
      if ('end' in loaded) {
        if (loaded.finished) runningHere.delete(storeHash);
        return loaded.end;
      }
      const { job, store } = loaded;
      const client = deps.clientFor(store);
      const ruleFields = productFetchOptions(store.ruleSet);
      const w = { storeHash, store, client, catalog: createCatalog(client, { maxUrlLength: s.maxUrlLength }), fetch: { ...ruleFields, includeFields: [...new Set([...ruleFields.includeFields, 'date_modified'])] }, lease, log };
      const p = progressOf(job);
      let finished = false;
      // At least one page per run, so every run moves the job forward.
      while (!finished && !(stats.pages > 0 && (ctx?.signal.aborted || clock.now() - startedMs >= s.sliceMs))) {
        if (lease.lost) return { outcome: 'lease-lost' };
        const r = await syncPage(deps, w, p, stats);
        if (r === 'lease-lost') return { outcome: 'lease-lost' };
        finished = r;
        if (!finished) await ctx?.yieldSlot();
      }
      if (finished) {
        runningHere.delete(storeHash);
        await deps.directory.recordSync(storeHash, { syncedAtMs: clock.now(), catalogTotal: p.done });
      }
      log.info({ ...stats, cursor: p.cursor, done: p.done, total: p.total, finished }, 'full sync slice done');
      // More to do: due again at once (a timer or the next sweep continues from the cursor).
      return sliceResult(stats, finished ? undefined : clock.now());
    } catch (err) {
      log.error({ err }, 'full sync slice failed');
      throw err;
    } finally {
      await lease.release();
    }
  }

  return {
    /** Starts a job for the store unless one is running (the app's install and /tasks/full-sync call this). */
    async start(storeHash: string): Promise<{ started: boolean; progress: JobProgress }> {
      const r = await deps.jobs.start(storeHash, clock.now());
      runningHere.add(storeHash);
      return { started: r.started, progress: jobProgress(r.job, clock.now()) };
    },

    runSlice,

    /** Whether this instance knows of a running job for the store (no I/O). */
    isRunning: (storeHash: string) => runningHere.has(storeHash),

    /** Stores with a running job, from Firestore (the sweep drives them; other instances' starts included). */
    async runningStores(): Promise<string[]> {
      const jobs = await deps.jobs.running();
      for (const j of jobs) runningHere.add(j.storeHash);
      return jobs.map((j) => j.storeHash);
    },

    /** One store's job progress, or undefined when it never had one. */
    async progress(storeHash: string): Promise<JobProgress | undefined> {
      const job = await deps.jobs.get(storeHash);
      return job ? jobProgress(job, clock.now()) : undefined;
    },

    /** /status: running and recent jobs with done / total, start, rate and ETA. */
    async status(limit = 50): Promise<Record<string, JobProgress>> {
      const now = clock.now();
      return Object.fromEntries((await deps.jobs.recent(limit)).map((j) => [j.storeHash, jobProgress(j, now)]));
    },
  };
}

export type FullSyncJobs = ReturnType<typeof createFullSyncJobs>;

function progressOf(job: FullSyncJob) {
  return { cursor: job.cursor, done: job.done, total: job.total, changed: job.changed, requests: job.requests };
}

function addWrites(a: ApplyCategoryPlanResult, b: ApplyCategoryPlanResult): ApplyCategoryPlanResult {
  return { assignRequests: a.assignRequests + b.assignRequests, unassignRequests: a.unassignRequests + b.unassignRequests, assigned: a.assigned + b.assigned, unassigned: a.unassigned + b.unassigned };
}
