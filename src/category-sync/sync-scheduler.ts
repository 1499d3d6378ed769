import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { PendingStore } from '../events/pending-store.ts';
import { FairQueue } from './fair-queue.ts';
import type { RunContext } from './run-context.ts';

export type { RunContext };
import type { SyncMode, SyncResult } from './sync-store.ts';

export interface SchedulerSettings {
  windowMs: number;
  maxWaitMs: number;
  /** In-process timers (the fast path). The Scheduler sweep works without them. */
  timers: boolean;
  /** Wait before trying a store again after a failed flush. */
  retryAfterFailureMs?: number;
  /** Runs at once in this instance (FLUSH_CONCURRENCY). Default 4. */
  concurrency?: number;
  /** How long a run may hold its slot while others wait before it yields at its next chunk boundary. Default 2,000. */
  sliceMs?: number;
  /**
   * A run still going after this long is presumed hung (a call that never returns): it is abandoned
   * here (its slot freed, the store runnable again, `abandoned` counted and logged). The lease's
   * `maxHoldMs` is the same bound, so the abandoned run's lease expires and its writes, guarded by the
   * lease and by record versions, can no longer land. Default: never.
   */
  maxRunMs?: number;
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


/** The store sync as the scheduler sees it (sync-store.ts); the context is optional for callers outside the scheduler. */
export interface StoreSyncRunner {
  syncStore(storeHash: string, mode: SyncMode, ctx?: RunContext): Promise<SyncResult>;
}

type Waiter =
  | { kind: 'start'; mode: SyncMode; promise: Promise<SyncResult>; resolve: (r: SyncResult) => void; reject: (e: unknown) => void }
  | { kind: 'resume'; resume: () => void };

const BUSY: SyncResult = { outcome: 'busy' };

/**
 * One fair scheduler per instance for every store sync, whoever asks for it (timers, the Scheduler
 * sweep, /tasks/full-sync, install). Policy:
 *  - at most `concurrency` runs at once;
 *  - the longest-waiting store goes first (a timer's store waits since it became due, a sweep's
 *    since the sweep asked);
 *  - a store that is already running is skipped, never awaited: the caller gets `busy` at once and
 *    the running sync picks the new work up (its result says when the store is next due);
 *  - a big store yields between chunks (RunContext.yieldSlot), so small stores never queue behind it.
 * Two paths reach the same durable decision (readiness.ts): in-process timers (fast) and `sweep()`
 * (POST /tasks/flush, durable: nothing waits on a timer that Cloud Run throttled or an instance that
 * died). Across instances the lease decides who runs a store.
 */
// eslint-disable-next-line max-lines-per-function -- one closure owns the per-instance timers, queue and slots that every method shares; each method is short
export function createSyncScheduler(deps: {
  categorySync: StoreSyncRunner;
  pending: Pick<PendingStore, 'stores'>;
  /** Stores with a running full-sync job: the sweep drives them too (full-sync-job.ts). */
  jobs?: { runningStores(): Promise<string[]> };
  clock: Clock;
  logger: Logger;
  settings: SchedulerSettings;
}) {
  const { settings: s, clock, logger } = deps;
  const retryMs = s.retryAfterFailureMs ?? s.windowMs;
  const concurrency = Math.max(1, s.concurrency ?? 4);
  const sliceMs = s.sliceMs ?? 2_000;
  const timers = new Map<string, { timer: NodeJS.Timeout; atMs: number }>();
  const recent = new Map<string, { firstMs: number; lastMs: number }>();
  const queue = new FairQueue<Waiter>();
  /** Stores with a run in progress (holding a slot, or yielded and waiting for one). */
  const running = new Map<string, Promise<SyncResult>>();
  /** A timer fired while its store was running: look again when the run ends. */
  const recheck = new Set<string>();
  const stopping = new AbortController();
  let slotsInUse = 0;
  let stopped = false;
  // Shown under `flush` in /status (operator contract; the benchmarks read `flushes`).
  const counters = { flushes: 0, failures: 0, busy: 0, skipped: 0, yields: 0, sweeps: 0, abandoned: 0 };

  function arm(storeHash: string, atMs: number): void {
    if (!s.timers || stopped) return;
    const existing = timers.get(storeHash);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      timers.delete(storeHash);
      if (running.has(storeHash)) {
        counters.skipped++;
        recheck.add(storeHash);
        return;
      }
      run(storeHash, 'auto', atMs).catch(() => undefined);
    }, Math.max(0, atMs - clock.now()));
    timers.set(storeHash, { timer, atMs });
  }

  function after(storeHash: string, startedAtMs: number, r: SyncResult): void {
    const mem = recent.get(storeHash);
    if (mem && mem.lastMs < startedAtMs) recent.delete(storeHash);
    const again = recheck.delete(storeHash);
    switch (r.outcome) {
      case 'flushed':
      case 'not-due':
        if (r.dueAtMs !== undefined) arm(storeHash, r.dueAtMs);
        else if (again) arm(storeHash, clock.now());
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

  /** Hands free slots to the longest-waiting stores. */
  function dispatch(): void {
    while (slotsInUse < concurrency) {
      const next = queue.take();
      if (!next) return;
      slotsInUse++;
      const w = next.value;
      if (w.kind === 'resume') w.resume();
      else start(next.storeHash, w);
    }
  }

  function start(storeHash: string, w: Extract<Waiter, { kind: 'start' }>): void {
    const startedAt = clock.now();
    let sliceStartMs = startedAt;
    /** Whether this run holds one of the slots now (not while it waits, yielded, for one). */
    let holding = true;
    const ctx: RunContext = {
      signal: stopping.signal,
      async yieldSlot() {
        if (stopped || queue.size === 0 || clock.now() - sliceStartMs < sliceMs) return;
        counters.yields++;
        await new Promise<void>((resume) => {
          queue.enqueue(storeHash, clock.now(), { kind: 'resume', resume });
          holding = false;
          slotsInUse--;
          dispatch();
        });
        holding = true;
        sliceStartMs = clock.now();
      },
    };
    running.set(storeHash, w.promise);
    let settled = false;
    // The watchdog: a run past maxRunMs gives its slot and its store back (see SchedulerSettings).
    const watchdog =
      s.maxRunMs === undefined
        ? undefined
        : setTimeout(() => {
            if (settled || running.get(storeHash) !== w.promise) return;
            settled = true;
            counters.abandoned++;
            logger.error({ storeHash, maxRunMs: s.maxRunMs }, 'sync run abandoned: it outlived its time budget');
            running.delete(storeHash);
            if (holding) slotsInUse--;
            holding = false;
            arm(storeHash, clock.now());
            w.reject(new Error('sync run abandoned'));
            dispatch();
          }, s.maxRunMs);
    watchdog?.unref();
    deps.categorySync
      .syncStore(storeHash, w.mode, ctx)
      .then(
        (r) => {
          if (r.outcome === 'flushed') counters.flushes++;
          if (r.outcome === 'busy') counters.busy++;
          after(storeHash, startedAt, r);
          w.resolve(r);
        },
        (err: unknown) => {
          counters.failures++;
          recheck.delete(storeHash);
          arm(storeHash, clock.now() + retryMs);
          w.reject(err);
        },
      )
      .finally(() => {
        clearTimeout(watchdog);
        const heldSlot = holding;
        holding = false;
        // Abandoned by the watchdog: the store was given back then; only a slot it took since is returned.
        if (!settled) running.delete(storeHash);
        settled = true;
        if (heldSlot) slotsInUse--;
        dispatch();
      });
  }

  /**
   * Asks for a sync of one store. Resolves with its result once it ran; `busy` at once when the
   * store is already running here (or the scheduler is stopping). Asking again while the store
   * waits for a slot joins that wait (a `full` request upgrades a waiting `auto` one).
   */
  function run(storeHash: string, mode: SyncMode = 'auto', waitingSinceMs: number = clock.now()): Promise<SyncResult> {
    if (stopped) return Promise.resolve(BUSY);
    if (running.has(storeHash)) {
      counters.skipped++;
      return Promise.resolve(BUSY);
    }
    let resolve!: (r: SyncResult) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<SyncResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry = queue.enqueue(storeHash, waitingSinceMs, { kind: 'start', mode, promise, resolve, reject });
    const w = entry.value;
    if (w.kind !== 'start') return Promise.resolve(BUSY); // unreachable: a resuming store is running
    if (mode === 'full') w.mode = 'full';
    dispatch();
    return w.promise;
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

    run: (storeHash: string, mode: SyncMode = 'auto') => run(storeHash, mode),

    /** Every store with pending work, through the same slots and order as the timers; running stores count as busy. */
    async sweep(): Promise<SweepReport> {
      counters.sweeps++;
      const [withPending, withJobs] = await Promise.all([deps.pending.stores(), deps.jobs ? deps.jobs.runningStores() : Promise.resolve([])]);
      const stores = [...new Set([...withPending, ...withJobs])];
      const report: SweepReport = { stores: stores.length, flushed: 0, notDue: 0, busy: 0, failed: 0, other: 0 };
      await Promise.all(
        stores.map(async (h) => {
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
      );
      logger.info(report, 'flush sweep done');
      return report;
    },

    /** Stop taking work: cancel timers and queued starts, tell running syncs to stop at their next chunk, let them finish (they release their leases). */
    async stop(): Promise<void> {
      stopped = true;
      stopping.abort();
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      for (const e of queue.drain()) {
        if (e.value.kind === 'start') e.value.resolve(BUSY);
        else {
          slotsInUse++;
          e.value.resume();
        }
      }
      await Promise.allSettled([...running.values()]);
    },

    stats() {
      return { ...counters, timers: timers.size, running: running.size, queued: queue.size, concurrency };
    },
  };
}

export type SyncScheduler = ReturnType<typeof createSyncScheduler>;
