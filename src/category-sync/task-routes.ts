import { isStoreHash } from '../bigcommerce/store-hash.ts';
import type { RoutePlugin } from '../http/route-plugin.ts';
import type { StoreDirectory } from '../stores/store-directory.ts';
import type { JobProgress } from './full-sync-job-store.ts';
import type { SyncScheduler } from './sync-scheduler.ts';

export interface FullSyncStarter {
  /** Starts the store's durable full-sync job unless one is running. */
  start(storeHash: string): Promise<{ started: boolean; progress: JobProgress }>;
  /** One store's job progress now. */
  progress(storeHash: string): Promise<JobProgress | undefined>;
}

/**
 * Scheduler-driven work. `POST /tasks/flush` sweeps every store with overdue pending work or a
 * running full-sync job (every minute); `POST /tasks/full-sync` starts one durable full-sync job for
 * one store (`?store=HASH`) or for every active store (daily: it also catches time-based rules such
 * as `within_days`), kicks them off through the scheduler, and answers with each job's progress
 * once they are done or `requestBudgetMs` has passed, whichever is first. A job not done by then is
 * carried on by timers and sweeps from its cursor; nothing depends on this request lasting.
 */
export function taskRoutes(deps: {
  scheduler: SyncScheduler;
  directory: StoreDirectory;
  fullSync: FullSyncStarter;
  allowedEmails: readonly string[];
  requestBudgetMs: number;
  now?: () => number;
  /** How often the request looks at its jobs while it waits (default 500 ms). */
  pollMs?: number;
  logger?: { error(obj: object, msg: string): void };
}): RoutePlugin {
  const now = deps.now ?? Date.now;
  const pollMs = deps.pollMs ?? 500;
  return (app, guard) => {
    const onRequest = guard(deps.allowedEmails);
    app.post('/tasks/flush', { onRequest }, async () => deps.scheduler.sweep());

    app.post<{ Querystring: { store?: string } }>('/tasks/full-sync', { onRequest }, async (request, reply) => {
      const store = request.query.store;
      if (store !== undefined && !isStoreHash(store)) return reply.code(400).send({ error: 'bad_request', message: 'store must be a store hash' });
      const deadline = now() + deps.requestBudgetMs;
      const stores = store ? [store] : await deps.directory.activeStores();
      const started = new Map<string, boolean>();
      const failures: Record<string, string> = {};
      for (const h of stores) {
        started.set(h, (await deps.fullSync.start(h)).started);
        // Kicked off, not awaited: the scheduler's slots and the job's slices bound it, this request only watches.
        deps.scheduler.run(h, 'full').catch((err: unknown) => {
          failures[h] = (err as Error).message;
          deps.logger?.error({ storeHash: h, err }, 'full sync run failed');
        });
      }
      const progress = new Map<string, JobProgress | undefined>();
      for (;;) {
        for (const h of stores) if (progress.get(h)?.state !== 'done') progress.set(h, await deps.fullSync.progress(h));
        if (stores.every((h) => progress.get(h)?.state === 'done' || failures[h]) || now() >= deadline) break;
        await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, deadline - now()))));
      }
      const out: Record<string, unknown> = {};
      for (const h of stores) out[h] = { started: started.get(h), ...progress.get(h), ...(failures[h] ? { error: failures[h] } : {}) };
      return { stores: out };
    });
  };
}
