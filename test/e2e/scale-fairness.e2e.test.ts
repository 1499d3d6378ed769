// Acceptance (issue #12, fairness): 50 small stores get a 20-product burst each; their p99 settle time
// (last webhook -> every product in the right categories) with a big store syncing at the same time
// is at most 5 s worse than without it. Checked on both paths: in-process timers, and the Scheduler
// sweep alone (timers off, /tasks/flush every 5 s here). The big store's pending set is 50,000 times
// SCALE_FACTOR (at least 4,000), its reads slowed down so it holds its slot for the whole burst.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { pino } from 'pino';
import { startSandbox, type Sandbox, type SandboxStore } from '../../src/sandbox/index.ts';
import { createFirestorePendingStore } from '../../src/events/firestore-pending-store.ts';
import { createStoreRegistry } from '../../src/stores/store-registry.ts';
import { createTokenCipher } from '../../src/stores/token-cipher.ts';
import { RULES_JSON, expectedManaged, managedOf } from '../../scripts/lib/storm.ts';
import { sleep, until } from '../../scripts/lib/scale-harness.ts';
import { startService, type ServiceProcess } from '../helpers/service.ts';
import { productEvent, wrappedPush } from '../helpers/push.ts';

const SCALE = Number(process.env.SCALE_FACTOR ?? 0.02);
const BIG = Math.max(4_000, Math.round(50_000 * SCALE));
const SMALL_STORES = 50;
const BURST = 20;
const KEY = randomBytes(32);

let sandbox: Sandbox;
let db: Firestore;
let rulesFile: string;
beforeAll(async () => {
  sandbox = await startSandbox({});
  const dir = mkdtempSync(join(tmpdir(), 'fair-'));
  rulesFile = join(dir, 'rules.json');
  writeFileSync(rulesFile, JSON.stringify(RULES_JSON));
});
afterAll(async () => {
  await db?.terminate();
  await sandbox.close();
});

const wrong = (s: SandboxStore) => s.products().some((p) => managedOf(p.categories).join() !== expectedManaged(p).join());
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.99 * xs.length) - 1]!;

/** 50 small stores (+ optionally the big one) installed in one project; returns the service and the stores. */
async function setup(projectId: string, opts: { timers: boolean; big: boolean }) {
  db = new Firestore({ projectId, host: inject('firestoreHost'), ssl: false, ignoreUndefinedProperties: true });
  const pending = createFirestorePendingStore(db);
  const registry = createStoreRegistry({ db, cipher: createTokenCipher(KEY), pending, logger: pino({ level: 'silent' }), probeToken: () => Promise.resolve('valid') });
  const tag = `${projectId.slice(-6)}${Date.now().toString(36)}`;
  const small: SandboxStore[] = [];
  for (let i = 0; i < SMALL_STORES; i++) {
    const hash = `s${i}${tag}`;
    const store = sandbox.createStore({ hash, accessToken: `t-${hash}`, seed: i + 1, quota: 100_000 });
    store.seedProducts(BURST, { seed: i + 1 });
    await registry.install(hash, { accessToken: `t-${hash}`, scopes: [] }, Date.now());
    small.push(store);
  }
  let big: SandboxStore | undefined;
  if (opts.big) {
    const hash = `big${tag}`;
    big = sandbox.createStore({ hash, accessToken: `t-${hash}`, seed: 99, quota: 1_000_000 });
    big.seedProducts(BIG, { seed: 99 });
    await registry.install(hash, { accessToken: `t-${hash}`, scopes: [] }, Date.now());
    await pending.enqueue(hash, Array.from({ length: BIG }, (_, i) => i + 1), 'bulk', Date.now() - 60_000);
    big.setFaults({ latencyMs: 1_500 });
  }
  const service = await startService(
    {
      GOOGLE_CLOUD_PROJECT: projectId,
      FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
      PUSH_AUTH: 'none',
      LOG_LEVEL: 'warn',
      BIGCOMMERCE_API_URL: sandbox.url,
      TOKEN_ENCRYPTION_KEY: KEY.toString('hex'),
      CATEGORY_RULES_FILE: rulesFile,
      FLUSH_TIMERS: String(opts.timers),
      DEBOUNCE_WINDOW_SECONDS: '1',
      DEBOUNCE_MAX_WAIT_SECONDS: '5',
    },
    { nodeArgs: ['--max-old-space-size=256'] },
  );
  return { service, small, big };
}

/** Changes every product of every small store, pushes their webhooks, returns each store's settle time (s). */
async function burst(service: ServiceProcess, small: SandboxStore[], sweeping: boolean, afterPush: () => void): Promise<number[]> {
  const lastPush = new Map<string, number>();
  const bodies = small.flatMap((s) =>
    s.products().map((p) => {
      s.updateProduct(p.id, { sale_price: p.sale_price > 0 ? 0 : Math.max(1, Math.round(p.price / 2)), price: Math.max(p.price, 2) });
      return { hash: s.hash, body: productEvent(s.hash, p.id) };
    }),
  );
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < bodies.length) {
        const b = bodies[next++]!;
        const r = await fetch(`${service.url}/pubsub/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(wrappedPush(b.body)) });
        expect(r.status).toBe(204);
        lastPush.set(b.hash, Date.now());
      }
    }),
  );
  afterPush();
  let stop = false;
  // Sweep-only: Cloud Scheduler's call, every 5 s here, whether the previous one answered or not.
  const sweeper = sweeping
    ? (async () => {
        while (!stop) {
          void fetch(`${service.url}/tasks/flush`, { method: 'POST' }).catch(() => undefined);
          await sleep(5_000);
        }
      })()
    : Promise.resolve();
  const settledAt = new Map<string, number>();
  await until(
    'every small store settled',
    () => {
      for (const s of small) if (!settledAt.has(s.hash) && !wrong(s)) settledAt.set(s.hash, Date.now());
      return settledAt.size === small.length;
    },
    120_000,
    100,
  );
  stop = true;
  await sweeper;
  return small.map((s) => (settledAt.get(s.hash)! - lastPush.get(s.hash)!) / 1000);
}

async function measure(projectId: string, timers: boolean, big: boolean) {
  const { service, small, big: bigStore } = await setup(projectId, { timers, big });
  try {
    if (bigStore) {
      // Start the big store's sync and make sure it is running before the burst.
      void fetch(`${service.url}/tasks/flush`, { method: 'POST' }).catch(() => undefined);
      await until('the big store to be syncing', () => sandbox.stats(bigStore.hash).productGets > 0, 60_000, 100);
    }
    let bigBusy = true;
    const settle = await burst(service, small, !timers, () => {
      if (bigStore) bigBusy = wrong(bigStore);
    });
    expect(bigBusy, 'the big store was still syncing when the burst was in').toBe(true);
    return p99(settle);
  } finally {
    await service.stop('SIGTERM');
    await db.terminate();
  }
}

describe('fairness: small stores are not queued behind a big one', () => {
  it.each([
    ['timers', true],
    ['sweep only', false],
  ])('%s: p99 settle with a big store syncing <= baseline + 5 s', async (_name, timers) => {
    const baseline = await measure(`demo-fair-base-${String(timers)}`, timers, false);
    const withBig = await measure(`demo-fair-big-${String(timers)}`, timers, true);
    console.info(`fairness (${_name}): baseline p99 ${baseline.toFixed(1)} s, with a big store syncing ${withBig.toFixed(1)} s`);
    expect(withBig, `baseline p99 ${baseline.toFixed(1)} s, with a big store ${withBig.toFixed(1)} s`).toBeLessThanOrEqual(baseline + 5);
  }, 300_000);
});
