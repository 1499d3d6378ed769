import type { Firestore } from '@google-cloud/firestore';
import { pino } from 'pino';
import { systemClock, type Clock } from '../../src/clock.ts';
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts';
import { createRateLimiterRegistry } from '../../src/bigcommerce/rate-limiter.ts';
import { createFirestorePendingStore } from '../../src/events/firestore-pending-store.ts';
import { createFirestoreLeases } from '../../src/category-sync/sync-lease.ts';
import { createFlusher, type FlushSettings } from '../../src/category-sync/sync-store.ts';
import { parseRuleSet, type RuleSet } from '../../src/rules/rule-set-schema.ts';
import { createStoreDirectory } from '../../src/stores/store-directory.ts';
import { RULES_JSON, expectedManaged, managedOf } from '../../scripts/lib/storm.ts';

/** The three rules the acceptance scenarios use (see scripts/lib/storm.ts). */
export const RULES: RuleSet = parseRuleSet(RULES_JSON, 'test');
export { expectedManaged, managedOf };

export function testFlusher(
  db: Firestore,
  opts: { apiUrl: string; store: { storeHash: string; accessToken: string }; settings?: Partial<FlushSettings>; clock?: Clock; owner?: string; fetch?: typeof fetch },
) {
  const clock = opts.clock ?? systemClock;
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const pending = createFirestorePendingStore(db, clock);
  const directory = createStoreDirectory({ db, singleStore: opts.store, defaultRuleSet: RULES, logger });
  const limiters = createRateLimiterRegistry({ clock, logger });
  const flusher = createFlusher({
    pending,
    leases: createFirestoreLeases(db, { owner: opts.owner ?? 'test', leaseMs: 30_000, clock }),
    directory,
    clientFor: (s) => createBigCommerceClient({ apiUrl: opts.apiUrl, storeHash: s.storeHash, accessToken: s.accessToken, clock, logger, rateLimiter: limiters.forStore(s.storeHash), requestBudgetMs: 20_000, ...(opts.fetch ? { fetch: opts.fetch } : {}) }),
    clock,
    logger,
    settings: { windowMs: 0, maxWaitMs: 0, missingMaxAttempts: 3, missingRetryMs: 200, staleToleranceMs: 10_000, fetchConcurrency: 2, maxUrlLength: 2047, ...opts.settings },
  });
  return { flusher, pending, directory };
}
