// The durable path: with in-process timers off (a throttled or replaced Cloud Run instance), Cloud
// Scheduler's POST /tasks/flush alone settles every store with due work; only the scheduler account may call it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createFlushScheduler } from '../../src/category-sync/sync-scheduler.ts';
import { taskRoutes } from '../../src/category-sync/task-routes.ts';
import { systemClock } from '../../src/clock.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { testApp, PUSH_SA, SCHEDULER_SA } from '../helpers/app.ts';
import { expectedManaged, managedOf, testFlusher } from '../helpers/category-sync.ts';
import { mintToken, startCertsServer } from '../helpers/oidc.ts';

const AUD = 'https://svc.example.run.app';
const { db, reset } = testFirestore('demo-task-routes');
let sandbox: Sandbox;
let certs: Awaited<ReturnType<typeof startCertsServer>>;
beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: 'demo-task-routes' } });
  certs = await startCertsServer();
});
afterAll(async () => {
  await sandbox.close();
  await certs.close();
  await db.terminate();
});
beforeEach(reset);

describe('POST /tasks/flush and /tasks/full-sync', () => {
  it('sweeps due stores without timers, and refuses callers other than the scheduler', async () => {
    const hashes = ['sweep1', 'sweep2'];
    const stores = hashes.map((h) => sandbox.createStore({ hash: h, accessToken: `t-${h}`, seed: 3 }));
    stores.forEach((s) => s.seedProducts(40, { seed: 3 }));
    // One directory/flusher per store is not how main wires it, but each test flusher knows one single store.
    const flushers = hashes.map((h) => testFlusher(db, { apiUrl: sandbox.url, store: { storeHash: h, accessToken: `t-${h}` } }));
    const byStore = new Map(hashes.map((h, i) => [h, flushers[i]!.runner]));
    const scheduler = createFlushScheduler({
      flusher: { flushStore: (h, mode, ctx) => byStore.get(h)!.flushStore(h, mode, ctx) },
      pending: flushers[0]!.pending,
      jobs: flushers[0]!.jobs,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      settings: { windowMs: 0, maxWaitMs: 0, timers: false },
    });
    for (const h of hashes) await flushers[0]!.pending.enqueue(h, Array.from({ length: 40 }, (_, i) => i + 1), 'updated', Date.now() - 1_000);

    const app = await testApp(db, {
      auth: { mode: 'oidc', audience: AUD, certsUrl: certs.url },
      extra: { plugins: [taskRoutes({ scheduler, directory: flushers[0]!.directory, fullSync: flushers[0]!.jobs, allowedEmails: [SCHEDULER_SA], requestBudgetMs: 20_000 })] },
    });
    const call = async (url: string, email?: string) =>
      app.server.inject({ method: 'POST', url, headers: email ? { authorization: `Bearer ${await mintToken({ aud: AUD, email })}` } : {} });

    expect((await call('/tasks/flush')).statusCode).toBe(401);
    expect((await call('/tasks/flush', PUSH_SA)).statusCode).toBe(403);
    expect(scheduler.stats().flushes).toBe(0);

    const res = await call('/tasks/flush', SCHEDULER_SA);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ stores: 2, flushed: 2, failed: 0 });
    for (const s of stores) for (const p of s.products()) expect(managedOf(p.categories)).toEqual(expectedManaged(p));
    expect(await flushers[0]!.pending.stores()).toEqual([]);

    expect((await call('/tasks/full-sync?store=not/a/hash', SCHEDULER_SA)).statusCode).toBe(400);
    const full = await call('/tasks/full-sync?store=sweep1', SCHEDULER_SA);
    expect(full.statusCode).toBe(200);
    // One durable job, driven to the end within the request (a small catalog).
    expect(full.json()).toMatchObject({ stores: { sweep1: { started: true, state: 'done', done: 40, total: 40, etaSeconds: 0 } } });
    expect(sandbox.stats('sweep1').byRoute['GET /v3/catalog/products']).toBeGreaterThan(0);
    await app.server.close();
  });
});
