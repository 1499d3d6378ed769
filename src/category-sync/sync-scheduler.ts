import pLimit from 'p-limit';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { PendingStore } from '../events/pending-store.ts';
import type { SyncMode, SyncResult, CategorySync } from './sync-store.ts';

export interface SchedulerSettings {
  windowMs: number;
  maxWaitMs: number;
  /** In-process timers (the fast path). The Scheduler sweep works without them. */
  timers: boolean;
  /** Wait before trying a store again after a failed sync. */
  retryAfterFailureMs?: number;
}

export interface SweepReport {
  stores: number;
  /** Stores synced (JSON key kept: the /tasks/flush answer is read by operators). */
  flushed: number;
  notDue: number;
  busy: number;
  failed: number;
  other: number;
}

/**
 * Decides when category syncs run. Two paths reach the same durable decision (readiness.ts):
 *  - fast: after an event is stored, an in-process timer fires when the store should be due;
 *  - durable: `sweep()` (POST /tasks/flush from Cloud Scheduler, every minute) looks at every store
 *    with pending work, so nothing waits on a timer that Cloud Run throttled or an instance that died.
 * Within one instance a store is synced by one run at a time; across instances the lease decides.
 */
// eslint-disable-next-line max-lines-per-function -- one closure owns the per-instance timers and in-flight map that every method shares; each method is short
export function createSyncScheduler(deps: { categorySync: CategorySync; pending: PendingStore; clock: Clock; logger: Logger; settings: SchedulerSettings }) {
  const { settings: s, clock, logger } = deps;
  const retryMs = s.retryAfterFailureMs ?? s.windowMs;
  const timers = new Map<string, { timer: NodeJS.Timeout; atMs: number }>();
  const recent = new Map<string, { firstMs: number; lastMs: number }>();
  const running = new Map<string, Promise<SyncResult>>();
  let stopped = false;
  // Shown under `flush` in /status (operator contract; the benchmarks read `flushes`).
  const counters = { flushes: 0, failures: 0, busy: 0, sweeps: 0 };

  function arm(storeHash: string, atMs: number): void {
    if (!s.timers || stopped) return;
    const existing = timers.get(storeHash);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      timers.delete(storeHash);
      void run(storeHash).catch(() => undefined);
    }, Math.max(0, atMs - clock.now()));
    timers.set(storeHash, { timer, atMs });
  }

  function after(storeHash: string, startedAtMs: number, r: SyncResult): void {
    const mem = recent.get(storeHash);
    if (mem && mem.lastMs < startedAtMs) recent.delete(storeHash);
    switch (r.outcome) {
      case 'flushed':
      case 'not-due':
        if (r.dueAtMs !== undefined) arm(storeHash, r.dueAtMs);
        return;
      case 'busy':
      case 'lease-lost':
        // Another instance holds the store; look again later in case it dies.
        arm(storeHash, clock.now() + s.windowMs);
        return;
      case 'uninstalled':
      case 'unknown-store':
      case 'no-credentials':
        return;
    }
  }

  /** Runs a sync of one store now, unless one is already running in this instance. */
  function run(storeHash: string, mode: SyncMode = 'auto'): Promise<SyncResult> {
    if (stopped) return Promise.resolve({ outcome: 'busy' });
    const inFlight = running.get(storeHash);
    if (inFlight) return inFlight.then(() => ({ outcome: 'busy' }) as const);
    const startedAt = clock.now();
    const p = deps.categorySync
      .syncStore(storeHash, mode)
      .then(
        (r) => {
          if (r.outcome === 'flushed') counters.flushes++;
          if (r.outcome === 'busy') counters.busy++;
          after(storeHash, startedAt, r);
          return r;
        },
        (err: unknown) => {
          counters.failures++;
          arm(storeHash, clock.now() + retryMs);
          throw err;
        },
      )
      .finally(() => running.delete(storeHash));
    running.set(storeHash, p);
    return p;
  }

  return {
    /** An event for this store was stored: make sure a timer will look at it when it can be due. */
    notify(storeHash: string): void {
      if (!s.timers || stopped) return;
      const now = clock.now();
      const mem = recent.get(storeHash) ?? { firstMs: now, lastMs: now };
      mem.lastMs = now;
      recent.set(storeHash, mem);
      arm(storeHash, Math.min(mem.lastMs + s.windowMs, mem.firstMs + s.maxWaitMs));
    },

    run,

    async sweep(): Promise<SweepReport> {
      counters.sweeps++;
      const stores = await deps.pending.stores();
      const report: SweepReport = { stores: stores.length, flushed: 0, notDue: 0, busy: 0, failed: 0, other: 0 };
      const limit = pLimit(2);
      await Promise.all(
        stores.map((h) =>
          limit(async () => {
            try {
              const r = await run(h);
              if (r.outcome === 'flushed') report.flushed++;
              else if (r.outcome === 'not-due') report.notDue++;
              else if (r.outcome === 'busy' || r.outcome === 'lease-lost') report.busy++;
              else report.other++;
            } catch {
              report.failed++;
            }
          }),
        ),
      );
      logger.info(report, 'flush sweep done');
      return report;
    },

    /** Stop taking work: cancel timers and let running syncs finish (they release their leases). */
    async stop(): Promise<void> {
      stopped = true;
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running.values()]);
    },

    stats() {
      return { ...counters, timers: timers.size, running: running.size };
    },
  };
}

export type SyncScheduler = ReturnType<typeof createSyncScheduler>;
