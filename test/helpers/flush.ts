import type { Firestore } from '@google-cloud/firestore';
import { pino } from 'pino';
import { systemClock, type Clock } from '../../src/clock.ts';
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts';
import { createRateLimiterRegistry } from '../../src/bigcommerce/rate-limiter.ts';
import { createFirestorePendingStore } from '../../src/flush/firestore-pending-store.ts';
import { createFirestoreLeases } from '../../src/flush/flush-lease.ts';
import { createFlusher, type FlushSettings } from '../../src/flush/flush-store.ts';
import { parseRuleSet, type RuleSet } from '../../src/rules/rule-set-schema.ts';
import { createStoreDirectory } from '../../src/stores/store-directory.ts';

/** The three rules the acceptance scenarios use. */
export const RULES: RuleSet = parseRuleSet(
  {
    rules: [
      { name: 'on-sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } },
      { name: 'low-stock', categoryId: 51, when: { all: [{ field: 'inventory_tracking', op: 'neq', value: 'none' }, { field: 'inventory_level', op: 'lte', value: 5 }] } },
      { name: 'featured', categoryId: 52, when: { field: 'is_featured', op: 'eq', value: true } },
    ],
  },
  'test',
);
export const MANAGED = [50, 51, 52];

/** What RULES say a product's managed categories must be (written independently of the engine). */
export function expectedManaged(p: { sale_price: number; inventory_tracking: string; inventory_level: number; is_featured: boolean }): number[] {
  const c: number[] = [];
  if (p.sale_price > 0) c.push(50);
  if (p.inventory_tracking !== 'none' && p.inventory_level <= 5) c.push(51);
  if (p.is_featured) c.push(52);
  return c;
}
export const managedOf = (categories: number[]) => categories.filter((c) => MANAGED.includes(c)).sort((a, b) => a - b);

export function testFlusher(db: Firestore, opts: { apiUrl: string; store: { storeHash: string; accessToken: string }; settings?: Partial<FlushSettings>; clock?: Clock; owner?: string }) {
  const clock = opts.clock ?? systemClock;
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const pending = createFirestorePendingStore(db, clock);
  const directory = createStoreDirectory({ db, singleStore: opts.store, defaultRuleSet: RULES, logger });
  const limiters = createRateLimiterRegistry({ clock, logger });
  const flusher = createFlusher({
    pending,
    leases: createFirestoreLeases(db, { owner: opts.owner ?? 'test', leaseMs: 30_000, clock }),
    directory,
    clientFor: (s) => createBigCommerceClient({ apiUrl: opts.apiUrl, storeHash: s.storeHash, accessToken: s.accessToken, clock, logger, rateLimiter: limiters.forStore(s.storeHash), requestBudgetMs: 20_000 }),
    clock,
    logger,
    settings: { windowMs: 0, maxWaitMs: 0, missingMaxAttempts: 3, missingRetryMs: 200, staleToleranceMs: 10_000, fetchConcurrency: 2, maxUrlLength: 2047, ...opts.settings },
  });
  return { flusher, pending, directory };
}
