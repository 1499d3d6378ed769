import type { FullSyncJobs } from './full-sync-job.ts';
import type { RunContext } from './run-context.ts';
import type { StoreSyncRunner } from './sync-scheduler.ts';
import type { SyncMode, SyncResult } from './sync-store.ts';

const earliest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

/**
 * What one scheduler run of a store does: `full` drives the store's full-sync job one slice
 * forward; `auto` syncs its pending products and then, if a full-sync job is running for the store,
 * drives that too, so timers and sweeps move jobs forward without a caller waiting on them.
 */
export function createStoreRunner(deps: { pendingSync: StoreSyncRunner; jobs: Pick<FullSyncJobs, 'runSlice' | 'isRunning'> }): StoreSyncRunner {
  return {
    async syncStore(storeHash: string, mode: SyncMode, ctx?: RunContext): Promise<SyncResult> {
      if (mode === 'full') return deps.jobs.runSlice(storeHash, ctx);
      const r = await deps.pendingSync.syncStore(storeHash, 'auto', ctx);
      if (!deps.jobs.isRunning(storeHash) || (r.outcome !== 'flushed' && r.outcome !== 'not-due') || ctx?.signal.aborted) return r;
      const j = await deps.jobs.runSlice(storeHash, ctx);
      if (j.outcome !== 'flushed') return r;
      return { ...r, dueAtMs: earliest(r.dueAtMs, j.dueAtMs) };
    },
  };
}
