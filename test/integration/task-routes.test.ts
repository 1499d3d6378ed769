// The durable path: with in-process timers off (a throttled or replaced Cloud Run instance), Cloud
// Scheduler's POST /tasks/flush alone settles every store with due work; only the scheduler account may call it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { buildApp } from '../../src/app.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { PUSH_SA, SCHEDULER_SA } from '../helpers/app.ts';
import { RULES, expectedManaged, managedOf } from '../helpers/category-sync.ts';
import { testServices } from '../helpers/services.ts';
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
    // The server as main.ts builds it (timers off, like a throttled instance), both stores installed.
    const services = await testServices(
      db,
      {
        PUSH_AUTH: 'oidc',
        PUSH_AUDIENCE: AUD,
        PUSH_CERTS_URL: certs.url,
        PUSH_SERVICE_ACCOUNT: PUSH_SA,
        SCHEDULER_SERVICE_ACCOUNT: SCHEDULER_SA,
        BIGCOMMERCE_API_URL: sandbox.url,
        TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      },
      { defaultRuleSet: RULES, settings: { categorySync: { windowMs: 0, maxWaitMs: 0 } } },
    );
    const { scheduler, pending } = services;
    for (const h of hashes) await services.registry.install(h, { accessToken: `t-${h}`, scopes: [] }, Date.now());
    for (const h of hashes) await pending.enqueue(h, Array.from({ length: 40 }, (_, i) => i + 1), 'updated', Date.now() - 1_000);

    const app = await buildApp(services.app);
    const call = async (url: string, email?: string) =>
      app.server.inject({ method: 'POST', url, headers: email ? { authorization: `Bearer ${await mintToken({ aud: AUD, email })}` } : {} });

    expect((await call('/tasks/flush')).statusCode).toBe(401);
    expect((await call('/tasks/flush', PUSH_SA)).statusCode).toBe(403);
    expect(scheduler.stats().flushes).toBe(0);

    const res = await call('/tasks/flush', SCHEDULER_SA);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ stores: 2, flushed: 2, failed: 0 });
    for (const s of stores) for (const p of s.products()) expect(managedOf(p.categories)).toEqual(expectedManaged(p));
    expect(await pending.stores()).toEqual([]);

    expect((await call('/tasks/full-sync?store=not/a/hash', SCHEDULER_SA)).statusCode).toBe(400);
    const full = await call('/tasks/full-sync?store=sweep1', SCHEDULER_SA);
    expect(full.statusCode).toBe(200);
    // One durable job, driven to the end within the request (a small catalog); progress in /status.
    expect(full.json()).toMatchObject({ stores: { sweep1: { started: true, state: 'done', done: 40, total: 40, etaSeconds: 0 } } });
    const all = await call('/tasks/full-sync', SCHEDULER_SA);
    expect(Object.keys(all.json().stores as object).sort()).toEqual(hashes);
    expect(all.json()).toMatchObject({ stores: { sweep1: { started: true, state: 'done' }, sweep2: { started: true, state: 'done', done: 40 } } });
    const status = await app.server.inject({ method: 'GET', url: '/status', headers: { authorization: `Bearer ${await mintToken({ aud: AUD, email: SCHEDULER_SA })}` } });
    expect(status.json()).toMatchObject({ fullSync: { sweep1: { state: 'done', done: 40, total: 40 }, sweep2: { state: 'done' } } });
    await app.server.close();
  });
});
