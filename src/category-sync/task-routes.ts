import type { RoutePlugin } from '../app.ts';
import type { StoreDirectory } from '../stores/store-directory.ts';
import type { JobProgress } from './full-sync-job-store.ts';
import type { SyncScheduler } from './sync-scheduler.ts';

const STORE_HASH = /^[A-Za-z0-9_-]{1,64}$/;

export interface FullSyncStarter {
  /** Starts the store's durable full-sync job unless one is running. */
  start(storeHash: string): Promise<{ started: boolean; progress: JobProgress }>;
  /** The job's progress now (after this request drove it). */
  status(): Promise<Record<string, JobProgress>>;
}

/**
 * Scheduler-driven work. `POST /tasks/flush` sweeps every store with overdue pending work or a
 * running full-sync job (every minute); `POST /tasks/full-sync` starts one durable full-sync job for
 * one store (`?store=HASH`) or for every active store (daily: it also catches time-based rules such
 * as `within_days`), then drives them through the scheduler for at most `requestBudgetMs` and
 * answers with each job's progress. A job not done by then is carried on by sweeps and timers from
 * its cursor; nothing depends on this request lasting.
 */
export function taskRoutes(deps: { scheduler: SyncScheduler; directory: StoreDirectory; fullSync: FullSyncStarter; allowedEmails: readonly string[]; requestBudgetMs: number; now?: () => number }): RoutePlugin {
  const now = deps.now ?? Date.now;
  return (app, guard) => {
    const preHandler = guard(deps.allowedEmails);
    app.post('/tasks/flush', { preHandler }, async () => deps.scheduler.sweep());

    app.post<{ Querystring: { store?: string } }>('/tasks/full-sync', { preHandler }, async (request, reply) => {
      const store = request.query.store;
      if (store !== undefined && !STORE_HASH.test(store)) return reply.code(400).send({ error: 'bad_request', message: 'store must be a store hash' });
      const deadline = now() + deps.requestBudgetMs;
      const stores = store ? [store] : await deps.directory.activeStores();
      const started = new Map<string, boolean>();
      for (const h of stores) started.set(h, (await deps.fullSync.start(h)).started);
      const failures: Record<string, string> = {};
      await Promise.all(
        stores.map(async (h) => {
          try {
            while (now() < deadline) {
              const r = await deps.scheduler.run(h, 'full');
              if (r.outcome !== 'flushed' || r.dueAtMs === undefined) return;
            }
          } catch (err) {
            failures[h] = (err as Error).message;
          }
        }),
      );
      const progress = await deps.fullSync.status();
      const out: Record<string, unknown> = {};
      for (const h of stores) out[h] = { started: started.get(h), ...progress[h], ...(failures[h] ? { error: failures[h] } : {}) };
      return { stores: out };
    });
  };
}
