import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { BigCommerceClient } from '../bigcommerce/client.ts';
import { createCatalog } from '../bigcommerce/catalog.ts';
import type { Product } from '../bigcommerce/product.ts';
import type { PendingStore } from '../events/pending-store.ts';
import { parseIsoDateMs } from '../rules/parse-iso-date.ts';
import { planCategoryChanges, type ProductState } from '../rules/plan-category-changes.ts';
import type { ApplyCategoryPlanResult } from '../rules/apply-category-plan.ts';
import { productFetchOptions } from '../rules/required-fields.ts';
import type { StoreContext, StoreDirectory } from '../stores/store-directory.ts';
import { applyCategoryPlanIsolated } from './apply-isolated.ts';
import { FULL_SYNC_PAGE_SIZE } from './plan-fetch.ts';
import { jobProgress, type FullSyncJob, type FullSyncJobStore, type JobProgress } from './full-sync-job-store.ts';
import { isStaleRead } from './stale-read.ts';
import type { LeaseManager } from './sync-lease.ts';
import type { RunContext } from './sync-scheduler.ts';
import type { SyncResult } from './sync-store.ts';
import type { PendingProduct } from './readiness.ts';

export interface FullSyncJobSettings {
  /** Longest one run works on a job before handing the store back (well inside a request timeout). */
  sliceMs: number;
  staleToleranceMs: number;
  maxUrlLength: number;
  /** Products per catalog page (default and maximum 250). */
  pageSize?: number;
}

export interface FullSyncJobDeps {
  jobs: FullSyncJobStore;
  pending: PendingStore;
  leases: LeaseManager;
  directory: StoreDirectory;
  clientFor: (store: StoreContext & { accessToken: string }) => BigCommerceClient;
  clock: Clock;
  logger: Logger;
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
export function createFullSyncJobs(deps: FullSyncJobDeps) {
  const { settings: s, clock, logger } = deps;
  const pageSize = s.pageSize ?? FULL_SYNC_PAGE_SIZE;
  /** Stores with a running job as far as this instance knows (start, sweep listings, finish). */
  const runningHere = new Set<string>();

  /** Completes the pending records in (afterId, lastId] that this page answered; returns [read, written]. */
  async function completeAnswered(storeHash: string, afterId: number, lastId: number, products: readonly Product[]): Promise<{ reads: number; completed: number; kept: number }> {
    const byId = new Map(products.map((p) => [p.id, p]));
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
        return !isStaleRead(p, modifiedMs, s.staleToleranceMs);
      });
      const r = await deps.pending.complete(storeHash, answered);
      completed += r.removed;
      kept += r.kept;
      cursor = page[page.length - 1]!.productId;
      if (page.length < 500) break;
    }
    return { reads, completed, kept };
  }

  async function runSlice(storeHash: string, ctx?: RunContext): Promise<SyncResult> {
    const lease = await deps.leases.tryAcquire(storeHash);
    if (!lease) return { outcome: 'busy' };
    const log = logger.child({ storeHash, flushId: randomUUID().slice(0, 8) });
    const startedMs = clock.now();
    const stats = { pages: 0, products: 0, changed: 0, completed: 0, kept: 0, rejected: 0, firestoreReads: 0, firestoreWrites: 0 };
    let writesTotal: ApplyCategoryPlanResult = { assignRequests: 0, unassignRequests: 0, assigned: 0, unassigned: 0 };
    try {
      const job = await deps.jobs.get(storeHash);
      stats.firestoreReads++;
      if (!job || job.state !== 'running') {
        runningHere.delete(storeHash);
        return { outcome: 'not-due', dueAtMs: undefined };
      }
      const store = await deps.directory.get(storeHash);
      if (!store) return { outcome: 'unknown-store' };
      if (store.status === 'uninstalled') {
        await deps.jobs.advance(storeHash, { ...progressOf(job), finished: true }, clock.now());
        runningHere.delete(storeHash);
        return { outcome: 'uninstalled', dropped: 0 };
      }
      if (!store.accessToken) return { outcome: 'no-credentials' };
      if (!store.ruleSet) {
        log.warn('no category rules for store');
        await deps.jobs.advance(storeHash, { ...progressOf(job), finished: true }, clock.now());
        runningHere.delete(storeHash);
        return { outcome: 'not-due', dueAtMs: undefined };
      }
      const client = deps.clientFor({ ...store, accessToken: store.accessToken });
      const catalog = createCatalog(client, { maxUrlLength: s.maxUrlLength });
      const ruleFields = productFetchOptions(store.ruleSet);
      const fetch = { ...ruleFields, includeFields: [...new Set([...ruleFields.includeFields, 'date_modified'])] };

      const p = progressOf(job);
      let finished = false;
      while (!finished) {
        if (lease.lost) return { outcome: 'lease-lost' };
        // At least one page per run, so every run moves the job forward.
        if (stats.pages > 0 && (ctx?.signal.aborted || clock.now() - startedMs >= s.sliceMs)) break;
        const page = await catalog.productsAfter(p.cursor, { ...fetch, limit: pageSize });
        p.requests++;
        stats.pages++;
        const products = page.products;
        const lastId = page.lastId ?? products.reduce((m, x) => (x.id > m ? x.id : m), p.cursor);
        finished = page.lastId === undefined;
        if (products.length > 0) {
          const changes = planCategoryChanges(products as ProductState[], store.ruleSet, clock.now());
          const { writes, rejected } = await applyCategoryPlanIsolated(changes, client, s.maxUrlLength);
          writesTotal = addWrites(writesTotal, writes);
          if (rejected.size > 0) {
            stats.rejected += rejected.size;
            log.warn({ products: Object.fromEntries(rejected) }, 'category write rejected');
          }
          if (lease.lost) return { outcome: 'lease-lost' };
          const done = await completeAnswered(storeHash, p.cursor, finished ? Number.MAX_SAFE_INTEGER : lastId, products);
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
        await deps.jobs.advance(storeHash, { ...p, finished }, clock.now());
        stats.firestoreWrites++;
        if (!finished) await ctx?.yieldSlot();
      }
      if (finished) {
        runningHere.delete(storeHash);
        await deps.directory.recordSync(storeHash, { syncedAtMs: clock.now(), catalogTotal: p.done });
      }
      const result: SyncResult = {
        outcome: 'flushed',
        // More to do: due again at once (a timer or the next sweep continues from the cursor).
        dueAtMs: finished ? undefined : clock.now(),
        mode: 'full',
        pendingRead: stats.completed + stats.kept,
        fetchRequests: stats.pages,
        productsFetched: stats.products,
        missing: 0,
        deferred: 0,
        givenUp: 0,
        completed: stats.completed,
        keptForNextFlush: stats.kept,
        writes: writesTotal,
        changedProducts: stats.changed,
        chunks: stats.pages,
        firestoreReads: stats.firestoreReads,
        firestoreWrites: stats.firestoreWrites,
      };
      log.info({ ...stats, cursor: p.cursor, done: p.done, total: p.total, finished, writes: writesTotal }, 'full sync slice done');
      return result;
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
