// With the Firestore emulator stopped, pushes get 503 within the budget (so Pub/Sub redelivers) and
// succeed once it is back. Uses its own emulator so stopping it does not disturb other test files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Firestore } from '@google-cloud/firestore';
import { startEmulator, stopEmulatorAndWait, type Emulator } from '../../scripts/lib/emulators.ts';
import { testApp } from '../helpers/app.ts';
import { productEvent, wrappedPush } from '../helpers/push.ts';

const BUDGET_MS = 1_500;
let emulator: Emulator;
let db: Firestore;
let app: Awaited<ReturnType<typeof testApp>>;

// The SDK lets FIRESTORE_EMULATOR_HOST override an explicit host: point it at this file's emulator.
const sharedHost = process.env.FIRESTORE_EMULATOR_HOST;

beforeAll(async () => {
  emulator = await startEmulator('firestore');
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  db = new Firestore({ projectId: 'demo-outage', host: emulator.host, ssl: false });
  app = await testApp(db, { storeBudgetMs: BUDGET_MS });
  // A fresh emulator JVM answers its first commits slowly on a busy machine: warm it outside the budget.
  await db.collection('warmup').doc('w').set({ at: Date.now() });
});
afterAll(async () => {
  await app.server.close();
  await db.terminate();
  await stopEmulatorAndWait(emulator);
  process.env.FIRESTORE_EMULATOR_HOST = sharedHost;
});

const push = (body: unknown) => app.server.inject({ method: 'POST', url: '/pubsub/push', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('Firestore outage', () => {
  it('answers 503 within the budget while Firestore is down, and 204 once it is back', async () => {
    const first = wrappedPush(productEvent('o', 1));
    await expect.poll(async () => (await push(first)).statusCode, { timeout: 15_000, interval: 100 }).toBe(204);
    const unavailableBefore = app.counters.unavailable;

    await stopEmulatorAndWait(emulator);
    const message = wrappedPush(productEvent('o', 2));
    const started = Date.now();
    const down = await push(message);
    const elapsed = Date.now() - started;
    expect(down.statusCode).toBe(503);
    expect(elapsed).toBeLessThan(BUDGET_MS + 1_000);
    expect(app.counters.unavailable).toBe(unavailableBefore + 1);

    emulator = await startEmulator('firestore', { port: emulator.port });
    // Pub/Sub would redeliver the same message: poll with it until the client has reconnected.
    await expect.poll(async () => (await push(message)).statusCode, { timeout: 30_000, interval: 250 }).toBe(204);
    const pending = await db.collection('pendingProducts').doc('o_2').get();
    expect(pending.exists).toBe(true);
  }, 60_000);
});
