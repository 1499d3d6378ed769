import type { Firestore } from '@google-cloud/firestore';
import { pino } from 'pino';
import { buildApp, type AppDeps } from '../../src/app.ts';
import { systemClock } from '../../src/clock.ts';
import { createFirestoreEventStore } from '../../src/events/firestore-event-store.ts';
import type { EventStore } from '../../src/events/event-store.ts';
import { createIngest } from '../../src/ingest/ingest-message.ts';
import { createPushAuthenticator, type PushAuthOptions } from '../../src/ingest/push-auth.ts';

export const PUSH_SA = 'bc-webhook-push@demo.iam.gserviceaccount.com';
export const SCHEDULER_SA = 'bc-webhook-scheduler@demo.iam.gserviceaccount.com';

/** The real app on a real (emulated) Firestore, as main.ts wires it. */
export async function testApp(
  db: Firestore,
  opts: { auth?: PushAuthOptions; storeBudgetMs?: number; largeEventBudgetMs?: number; maxBodyBytes?: number; eventStore?: EventStore; extra?: Partial<AppDeps> } = {},
) {
  const eventStore = opts.eventStore ?? createFirestoreEventStore(db);
  const ingest = createIngest({
    store: eventStore,
    clock: systemClock,
    dedupeTtlMs: 72 * 3_600_000,
    storeBudgetMs: opts.storeBudgetMs ?? 5_000,
    ...(opts.largeEventBudgetMs !== undefined ? { largeEventBudgetMs: opts.largeEventBudgetMs } : {}),
  });
  return buildApp({
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    projectId: 'demo',
    ingest,
    eventStore,
    authenticator: createPushAuthenticator(opts.auth ?? { mode: 'none', audience: undefined }),
    pushServiceAccounts: [PUSH_SA],
    operatorServiceAccounts: [SCHEDULER_SA],
    maxBodyBytes: opts.maxBodyBytes ?? 1_048_576,
    ...opts.extra,
  });
}
