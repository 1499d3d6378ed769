import { isStoreHash } from '../bigcommerce/store-hash.ts';
import type { RoutePlugin } from '../http/route-plugin.ts';
import type { StoreDirectory } from '../stores/store-directory.ts';
import type { SyncScheduler } from './sync-scheduler.ts';
import type { SyncResult } from './sync-store.ts';

/**
 * Scheduler-driven work. `POST /tasks/flush` sweeps every store with overdue pending work (every
 * minute); `POST /tasks/full-sync` pages the whole catalog of one store (`?store=HASH`) or of every
 * active store (daily: it also catches time-based rules such as `within_days`).
 */
export function taskRoutes(deps: { scheduler: SyncScheduler; directory: StoreDirectory; allowedEmails: readonly string[] }): RoutePlugin {
  return (app, guard) => {
    const onRequest = guard(deps.allowedEmails);
    app.post('/tasks/flush', { onRequest }, async () => deps.scheduler.sweep());

    app.post<{ Querystring: { store?: string } }>('/tasks/full-sync', { onRequest }, async (request, reply) => {
      const store = request.query.store;
      if (store !== undefined && !isStoreHash(store)) return reply.code(400).send({ error: 'bad_request', message: 'store must be a store hash' });
      const stores = store ? [store] : await deps.directory.activeStores();
      const results: Record<string, SyncResult | { outcome: 'failed'; error: string }> = {};
      for (const h of stores) {
        try {
          results[h] = await deps.scheduler.run(h, 'full');
        } catch (err) {
          results[h] = { outcome: 'failed', error: (err as Error).message };
        }
      }
      return { stores: results };
    });
  };
}
