// Acceptance (process): a store of 5,000 products and 3 rules; a storm of ~20,000 product webhooks over
// 2,000 products (25% duplicates, shuffled, 2% deleted mid-storm, 5% of products' last change unreadable
// for 20 s, 429 bursts and 1% 5xx from the sandbox), pushed by the Pub/Sub emulator through a round-robin
// proxy to TWO service instances. Afterwards every product's managed categories match the rules, deleted
// products are not retried forever, no URL reached 2,048 characters, and no store was flushed by two
// instances at once.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startPipeline, type Pipeline } from '../../scripts/lib/pipeline-harness.ts';
import { emitStaleTail, emitStorm } from '../../scripts/lib/storm.ts';
import { testFirestore } from '../helpers/firestore.ts';

// Full acceptance size by default (~2 min on a quiet 2-core machine, ~5 under load: the emulator pushes
// 2 at a time); STORM_SCALE=0.25 runs a quarter of it for a quicker local loop.
const SCALE = Number(process.env.STORM_SCALE ?? 1);
const PROJECT = 'demo-e2e-storm';
const STORE = 'stormstore';
const { db, reset } = testFirestore(PROJECT);
let pipeline: Pipeline;

beforeAll(async () => {
  await reset();
  pipeline = await startPipeline({
    pubsubHost: inject('pubsubHost'),
    firestoreHost: inject('firestoreHost'),
    projectId: PROJECT,
    storeHash: STORE,
    products: 5_000,
    instances: 2,
    logLevel: 'debug',
    env: { DEBOUNCE_WINDOW_SECONDS: '3', DEBOUNCE_MAX_WAIT_SECONDS: '600', MISSING_PRODUCT_RETRY_SECONDS: '4', MISSING_PRODUCT_MAX_ATTEMPTS: '6' },
  });
}, 120_000);
afterAll(async () => {
  await pipeline?.close();
  await db.terminate();
});

const received = async () => (await pipeline.statuses()).reduce((n, s) => n + s.events.accepted + s.events.duplicate, 0);

describe('storm through two instances', () => {
  it('ends with exactly the right categories, at bounded cost, without concurrent flushes', async () => {
    const { store, sandbox } = pipeline;
    store.setFaults({ errorRate: 0.01 });
    const storm = await emitStorm({ store, distinctProducts: Math.round(2_000 * SCALE), targetEvents: Math.round(20_000 * SCALE), duplicateShare: 0.25, deleteFraction: 0.02, staleFraction: 0.05, seed: 11 });
    expect(storm.published).toBeGreaterThanOrEqual(19_000 * SCALE);
    await expect.poll(received, { timeout: 240_000, interval: 1_000 }).toBeGreaterThanOrEqual(storm.published);

    const tail = await emitStaleTail(store, storm.stale, 20_000, 12);
    store.setFaults({ errorRate: 0.01, burst429: 2 });
    await expect.poll(received, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(storm.published + tail);

    // Settled: every product right, nothing pending, for a few seconds in a row (our own writes echo back).
    let settledSince = 0;
    const diagnose = async () => {
      const wrong = pipeline.wrongProducts();
      const failures = pipeline.services[0]!.logs.filter((l) => l.message === 'flush failed').slice(-3);
      return JSON.stringify({ statuses: await pipeline.statuses(), wrong: wrong.slice(0, 10), wrongCount: wrong.length, failures }, null, 1);
    };
    await expect
      .poll(
        async () => {
          const pending = (await pipeline.statuses()).some((s) => Object.keys(s.pending).length > 0);
          const ok = !pending && pipeline.wrongProducts().length === 0;
          settledSince = ok ? settledSince || Date.now() : 0;
          return ok && Date.now() - settledSince >= 5_000;
        },
        { timeout: 180_000, interval: 500, message: 'not settled' },
      )
      .toBe(true)
      .catch(async (err: unknown) => {
        throw new Error(`${(err as Error).message}\n${await diagnose()}`);
      });

    expect(pipeline.wrongProducts()).toEqual([]);
    for (const id of storm.deleted) expect(store.product(id)).toBeUndefined();
    expect((await db.collection('givenUp').get()).size).toBe(0);
    const stats = sandbox.stats(STORE);
    expect(stats.rejectedLongUrls).toBe(0);
    expect(stats.maxUrlLength).toBeLessThan(2048);
    expect(stats.status['429'] ?? 0).toBeGreaterThan(0);

    // Both instances took part, and their flushes of the store never overlapped.
    const logs = pipeline.services[0]!.logs;
    const held = logs.filter((l) => l.message === 'category sync lease held' || l.message === 'category sync lease released');
    const byInstance = new Set(logs.filter((l) => l.message === 'event stored').map((l) => l.pid));
    expect(byInstance.size).toBe(2);
    let holder: unknown;
    for (const l of held.sort((a, b) => ts(a) - ts(b))) {
      if (l.message === 'category sync lease held') {
        expect(holder, 'a second flush started while one was running').toBeUndefined();
        holder = l.flushId;
      } else {
        expect(l.flushId).toBe(holder);
        holder = undefined;
      }
    }
    expect(held.length).toBeGreaterThanOrEqual(4);
  }, 600_000);
});

function ts(l: Record<string, unknown>): number {
  const t = l.timestamp as { seconds: number; nanos: number };
  return t.seconds * 1e9 + t.nanos;
}
