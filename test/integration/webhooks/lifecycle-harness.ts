// Builds the lifecycle pieces (registry, reconciler, app routes) as main.ts does, against the
// sandbox over real HTTP and the Firestore emulator.
import { randomBytes } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import { pino } from 'pino';
import { systemClock, type Clock } from '../../../src/clock.ts';
import { createBigCommerceClient } from '../../../src/bigcommerce/client.ts';
import { createRateLimiterRegistry } from '../../../src/bigcommerce/rate-limiter.ts';
import { createFirestorePendingStore } from '../../../src/events/firestore-pending-store.ts';
import { createStoreDirectory } from '../../../src/stores/store-directory.ts';
import { createStoreRegistry } from '../../../src/stores/store-registry.ts';
import { createTokenCipher } from '../../../src/stores/token-cipher.ts';
import { desiredWebhooks } from '../../../src/webhooks/desired-webhooks.ts';
import { createWebhookReconciler } from '../../../src/webhooks/reconcile-webhooks.ts';
import { DEFAULT_WEBHOOK_SCOPES } from '../../../src/config.ts';
import { RULES } from '../../helpers/category-sync.ts';

export const TEST_KEY = randomBytes(32);

export function lifecycle(db: Firestore, o: { apiUrl: string; projectId: string; topic: string; ownClientId: string | undefined; clock?: Clock; silenceMs?: number; marginMs?: number; scopes?: string[] }) {
  const clock = o.clock ?? systemClock;
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const cipher = createTokenCipher(TEST_KEY);
  const pending = createFirestorePendingStore(db, clock);
  const directory = createStoreDirectory({ db, defaultRuleSet: RULES, cipher, logger });
  const registry = createStoreRegistry({ db, cipher, pending, logger });
  const limiters = createRateLimiterRegistry({ clock, logger });
  const enqueued: string[] = [];
  const desired = desiredWebhooks({ projectId: o.projectId, topic: o.topic, scopes: o.scopes ?? DEFAULT_WEBHOOK_SCOPES });
  const reconciler = createWebhookReconciler({
    directory,
    registry,
    pending,
    clientFor: (s) => createBigCommerceClient({ apiUrl: o.apiUrl, storeHash: s.storeHash, accessToken: s.accessToken, clock, logger, rateLimiter: limiters.forStore(s.storeHash), graphqlRateLimiter: limiters.forStoreGraphql(s.storeHash), requestBudgetMs: 10_000 }),
    clock,
    logger,
    settings: { desired, ownClientId: o.ownClientId, backfillSilenceMs: o.silenceMs ?? 24 * 3_600_000, backfillMarginMs: o.marginMs ?? 0 },
    onEnqueued: (h) => enqueued.push(h),
  });
  return { reconciler, registry, directory, pending, cipher, desired, enqueued, logger, limiters };
}
