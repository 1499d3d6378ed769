// The lifecycle pieces (registry, reconciler, app routes) from the service's own composition root,
// against the sandbox over real HTTP and the Firestore emulator.
import { randomBytes } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import type { Clock } from '../../../src/clock.ts';
import type { Logger } from '../../../src/logger.ts';
import { createTokenCipher } from '../../../src/stores/token-cipher.ts';
import { RULES } from '../../helpers/category-sync.ts';
import { testServices } from '../../helpers/services.ts';

export const TEST_KEY = randomBytes(32);

export async function lifecycle(db: Firestore, o: { apiUrl: string; projectId: string; topic: string; ownClientId: string | undefined; clock?: Clock; silenceMs?: number; marginMs?: number; scopes?: string[]; logger?: Logger }) {
  const services = await testServices(
    db,
    {
      GOOGLE_CLOUD_PROJECT: o.projectId,
      BIGCOMMERCE_API_URL: o.apiUrl,
      BIGCOMMERCE_CLIENT_ID: o.ownClientId,
      // Required with a client id (the OAuth redirect_uri is APP_URL/auth).
      APP_URL: o.ownClientId ? 'https://app.example' : undefined,
      TOKEN_ENCRYPTION_KEY: TEST_KEY.toString('hex'),
      WEBHOOK_TOPIC: o.topic,
      WEBHOOK_SCOPES: o.scopes?.join(','),
      BC_REQUEST_BUDGET_MS: '10000',
      // Timers on, but far out: a backfill arms the store's sync timer (observable in scheduler.stats())
      // without a sync ever running during the test.
      FLUSH_TIMERS: 'true',
      DEBOUNCE_WINDOW_SECONDS: '3600',
      DEBOUNCE_MAX_WAIT_SECONDS: '3600',
    },
    {
      defaultRuleSet: RULES,
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      settings: { reconcile: { backfillSilenceMs: o.silenceMs ?? 24 * 3_600_000, backfillMarginMs: o.marginMs ?? 0 } },
    },
  );
  const { reconciler, desired } = services;
  if (!reconciler || !desired) throw new Error('WEBHOOK_TOPIC set but no reconciler');
  // The same key as the services' cipher: tests decrypt what the registry stored.
  const cipher = createTokenCipher(TEST_KEY);
  return { ...services, reconciler, desired, cipher };
}
