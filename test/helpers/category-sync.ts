import type { Firestore } from '@google-cloud/firestore';
import type { Clock } from '../../src/clock.ts';
import type { CategorySyncSettings } from '../../src/category-sync/sync-store.ts';
import type { SchedulerSettings } from '../../src/category-sync/sync-scheduler.ts';
import type { FullSyncJobSettings } from '../../src/category-sync/full-sync-job.ts';
import { parseRuleSet, type RuleSet } from '../../src/rules/rule-set-schema.ts';
import { RULES_JSON, expectedManaged, managedOf } from '../../scripts/lib/storm.ts';
import { testServices } from './services.ts';

/** The three rules the acceptance scenarios use (see scripts/lib/storm.ts). */
export const RULES: RuleSet = parseRuleSet(RULES_JSON, 'test');
export { expectedManaged, managedOf };

/**
 * The service's category sync for one single-mode store of the sandbox, with test timings: no
 * debounce (everything pending is due), quick retries, no in-process timers unless asked.
 */
export async function testCategorySync(
  db: Firestore,
  opts: {
    apiUrl: string;
    store: { storeHash: string; accessToken: string };
    settings?: Partial<CategorySyncSettings>;
    scheduler?: Partial<SchedulerSettings>;
    fullSync?: Partial<FullSyncJobSettings>;
    clock?: Clock;
    owner?: string;
    fetch?: typeof fetch;
  },
) {
  const services = await testServices(
    db,
    { BIGCOMMERCE_API_URL: opts.apiUrl, BIGCOMMERCE_STORE_HASH: opts.store.storeHash, BIGCOMMERCE_ACCESS_TOKEN: opts.store.accessToken, BC_REQUEST_BUDGET_MS: '20000', FLUSH_LEASE_SECONDS: '30' },
    {
      defaultRuleSet: RULES,
      leaseOwner: opts.owner ?? 'test',
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      settings: {
        categorySync: { windowMs: 0, maxWaitMs: 0, missingMaxAttempts: 3, missingRetryMs: 200, staleToleranceMs: 10_000, staleRetryMs: 500, ...opts.settings },
        scheduler: { windowMs: 0, maxWaitMs: 0, ...opts.scheduler },
        ...(opts.fullSync ? { fullSync: opts.fullSync } : {}),
      },
    },
  );
  return services;
}
