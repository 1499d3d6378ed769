import { Timestamp, type Firestore } from '@google-cloud/firestore';
import type { Clock } from '../clock.ts';
import type { RateLimiterRegistry } from '../bigcommerce/rate-limiter.ts';
import type { PendingStore } from '../events/pending-store.ts';
import { pendingDocId } from '../firestore/document-ids.ts';
import { COLLECTIONS } from '../firestore/collections.ts';
import type { StoreRegistry } from '../stores/store-registry.ts';
import type { JobProgress } from '../category-sync/full-sync-job-store.ts';

/** One category sync (flush) of a store as the activity screen lists it. */
export interface SyncLogEntry {
  atMs: number;
  mode: string;
  outcome: string;
  productsRead: number;
  /** GET requests to BigCommerce. */
  reads: number;
  changedProducts: number;
  /** Category-assignment PUT + DELETE requests. */
  writes: number;
  /** Products not found (retried later) plus given up. */
  failures: number;
  error?: string | undefined;
}

export interface GivenUpProduct {
  productId: number;
  reason: string;
  attempts: number;
  atMs: number;
}

export interface StoreActivity {
  lastEventAtMs: number | undefined;
  lastSyncAtMs: number | undefined;
  pending: number;
  /** The store's full-sync job (running or the last one): done / total, rate, ETA; undefined when it never had one. */
  fullSync: JobProgress | undefined;
  recentSyncs: SyncLogEntry[];
  givenUp: GivenUpProduct[];
  webhooks: { lastReconcileAtMs: number | undefined; gapSinceMs: number | undefined; lastBackfillAtMs: number | undefined };
  /** What this instance's rate limiter knows about the store's API quota (from the last response headers). */
  quota: { left: number | undefined; limit: number | undefined; resetAtMs: number | undefined; waits: number; rateLimited: number };
}

export interface ActivitySource {
  activity(storeHash: string): Promise<StoreActivity>;
  /** Queues given-up products for the next sync again and clears their given-up record. */
  retryGivenUp(storeHash: string, productIds: readonly number[]): Promise<number>;
}

const SYNC_LOG = 'syncLog';
const SYNC_LOG_TTL_MS = 14 * 24 * 3_600_000;
const RECENT_SYNCS = 20;

export interface SyncLog {
  record(storeHash: string, entry: SyncLogEntry): Promise<void>;
  recent(storeHash: string, limit?: number): Promise<SyncLogEntry[]>;
}

/** `stores/{hash}/syncLog/{auto}`: one document (one write) per sync, `expireAt` for a TTL policy. */
export function createSyncLog(db: Firestore): SyncLog {
  const col = (h: string) => db.collection(COLLECTIONS.stores).doc(h).collection(SYNC_LOG);
  return {
    async record(storeHash, entry) {
      await col(storeHash).add({ ...entry, error: entry.error ?? null, expireAt: Timestamp.fromMillis(entry.atMs + SYNC_LOG_TTL_MS) });
    },
    async recent(storeHash, limit = RECENT_SYNCS) {
      const snap = await col(storeHash).orderBy('atMs', 'desc').limit(limit).get();
      return snap.docs.map((d): SyncLogEntry => {
        const x = d.data() as Record<string, unknown>;
        const n = (k: string) => (typeof x[k] === 'number' ? x[k] : 0);
        return {
          atMs: n('atMs'),
          mode: String(x.mode),
          outcome: String(x.outcome),
          productsRead: n('productsRead'),
          reads: n('reads'),
          changedProducts: n('changedProducts'),
          writes: n('writes'),
          failures: n('failures'),
          error: typeof x.error === 'string' ? x.error : undefined,
        };
      });
    },
  };
}

/**
 * What the sync log needs from a category sync's result: structural, so it follows the sync's own
 * result type without importing it (the sync module can be renamed or reshaped freely).
 */
export interface SyncResultLike {
  outcome: string;
  mode?: string;
  productsFetched?: number;
  fetchRequests?: number;
  changedProducts?: number;
  missing?: number;
  givenUp?: number;
  writes?: { assignRequests: number; unassignRequests: number };
}

/** The sync log line of a sync result (pure). Results that did no work (busy, not due) are not logged. */
export function syncLogEntry(atMs: number, result: SyncResultLike): SyncLogEntry | undefined {
  if (result.outcome !== 'flushed') return undefined;
  return {
    atMs,
    mode: result.mode ?? 'auto',
    outcome: result.outcome,
    productsRead: result.productsFetched ?? 0,
    reads: result.fetchRequests ?? 0,
    changedProducts: result.changedProducts ?? 0,
    writes: (result.writes?.assignRequests ?? 0) + (result.writes?.unassignRequests ?? 0),
    failures: (result.missing ?? 0) + (result.givenUp ?? 0),
  };
}

/**
 * Wraps a store sync function so every sync that did work, and every failed one, lands in the sync
 * log. The log write never fails the sync (it is only for people looking at the activity screen).
 * Composition: `{ ...sync, syncStore: withSyncLog(sync.syncStore, log, clock, onLogError) }`.
 */
export function withSyncLog<M extends string, R extends SyncResultLike, C = never>(
  run: (storeHash: string, mode?: M, ctx?: C) => Promise<R>,
  log: SyncLog,
  clock: Clock,
  onLogError: (err: unknown) => void,
): (storeHash: string, mode?: M, ctx?: C) => Promise<R> {
  return async (storeHash, mode, ctx) => {
    const atMs = clock.now();
    try {
      // The scheduler's run context (yield between chunks, stop) passes through untouched.
      const r = await run(storeHash, mode, ctx);
      const entry = syncLogEntry(atMs, r);
      if (entry) await log.record(storeHash, entry).catch(onLogError);
      return r;
    } catch (err) {
      const entry: SyncLogEntry = { atMs, mode: mode ?? 'auto', outcome: 'failed', productsRead: 0, reads: 0, changedProducts: 0, writes: 0, failures: 0, error: (err as { code?: string }).code ?? (err as Error).message };
      await log.record(storeHash, entry).catch(onLogError);
      throw err;
    }
  };
}

export function createActivitySource(deps: {
  db: Firestore;
  registry: StoreRegistry;
  pending: PendingStore;
  rateLimiters: RateLimiterRegistry;
  syncLog: SyncLog;
  clock: Clock;
  /** The store's full-sync job progress (category-sync/full-sync-job.ts). */
  fullSync: { progress(storeHash: string): Promise<JobProgress | undefined> };
}): ActivitySource {
  const givenUpCol = deps.db.collection(COLLECTIONS.givenUp);
  const pendingCol = deps.db.collection(COLLECTIONS.pending);
  return {
    async activity(storeHash) {
      const [life, pending, fullSync, recentSyncs, given] = await Promise.all([
        deps.registry.lifecycle(storeHash),
        // A count() aggregation: exact, memory O(1) whatever the store holds (billed one read per 1,000 records).
        pendingCol.where('storeHash', '==', storeHash).count().get(),
        deps.fullSync.progress(storeHash),
        deps.syncLog.recent(storeHash),
        // Equality only (no composite index needed); a store has few given-up products (30-day TTL).
        givenUpCol.where('storeHash', '==', storeHash).limit(200).get(),
      ]);
      const limiter = deps.rateLimiters.forStore(storeHash);
      const snap = limiter.snapshot();
      const stats = limiter.stats();
      return {
        lastEventAtMs: life?.lastEventAtMs,
        lastSyncAtMs: life?.lastFlushAtMs,
        pending: pending.data().count,
        fullSync,
        recentSyncs,
        givenUp: given.docs
          .map((d) => {
            const x = d.data();
            return { productId: x.productId as number, reason: String(x.reason), attempts: Number(x.attempts ?? 0), atMs: x.at instanceof Timestamp ? x.at.toMillis() : 0 };
          })
          .sort((a, b) => b.atMs - a.atMs),
        webhooks: { lastReconcileAtMs: life?.webhooksReconciledAtMs, gapSinceMs: life?.webhookGapSinceMs, lastBackfillAtMs: life?.lastBackfillAtMs },
        quota: { left: snap.left, limit: snap.quota, resetAtMs: snap.resetAtMs, waits: stats.waits, rateLimited: stats.rateLimited },
      };
    },

    async retryGivenUp(storeHash, productIds) {
      const ids = [...new Set(productIds)].filter((id) => Number.isSafeInteger(id) && id > 0);
      if (ids.length === 0) return 0;
      const queued = await deps.pending.enqueue(storeHash, ids, 'retry given up', deps.clock.now());
      const batch = deps.db.batch();
      for (const id of ids) batch.delete(givenUpCol.doc(pendingDocId(storeHash, id)));
      await batch.commit();
      return queued;
    },
  };
}
