import { isStoreHash } from '../bigcommerce/store-hash.ts';
import type { RoutePlugin } from '../http/route-plugin.ts';
import type { WebhookReconciler } from './reconcile-webhooks.ts';

/**
 * `POST /tasks/reconcile-webhooks[?store=HASH]` (Cloud Scheduler, hourly): keeps every active store's
 * webhooks registered and active and backfills delivery gaps. Answers 200 with one report per store
 * even when some stores failed (each failure is logged with its code and fix): a non-2xx would make
 * Scheduler retry every store for one store's problem.
 */
export function webhookTaskRoutes(deps: { reconciler: WebhookReconciler; allowedEmails: readonly string[] }): RoutePlugin {
  return (app, guard) => {
    app.post<{ Querystring: { store?: string } }>('/tasks/reconcile-webhooks', { onRequest: guard(deps.allowedEmails) }, async (request, reply) => {
      const store = request.query.store;
      if (store !== undefined && !isStoreHash(store)) return reply.code(400).send({ error: 'bad_request', message: 'store must be a store hash' });
      const reports = store ? [await deps.reconciler.reconcileStore(store)] : await deps.reconciler.reconcileAll();
      return {
        stores: reports.length,
        failed: reports.filter((r) => r.outcome === 'failed' || r.outcome === 'partial').length,
        reports: reports.map(({ hooks: _hooks, ...r }) => r),
      };
    });
  };
}
