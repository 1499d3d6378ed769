// Rate limiting, injected faults and eventual consistency of the sandbox, over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateWindow } from '../../src/sandbox/rate-window.ts';
import { startSandbox, type Sandbox, type StoreOptions } from '../../src/sandbox/index.ts';
import { idsOf, storeApi } from './sandbox-helpers.ts';

let sandbox: Sandbox;
let n = 0;
function freshStore(opts: Partial<StoreOptions> = {}, count = 3) {
  const hash = `lim${++n}`;
  const store = sandbox.createStore({ hash, accessToken: `tok-${hash}`, ...opts });
  if (count > 0) store.seedProducts(count, { seed: 3 });
  return { store, hash, api: storeApi(sandbox.url, hash, `tok-${hash}`) };
}
const rateHeaders = (h: Headers) => ({
  window: h.get('x-rate-limit-time-window-ms'),
  reset: Number(h.get('x-rate-limit-time-reset-ms')),
  quota: h.get('x-rate-limit-requests-quota'),
  left: h.get('x-rate-limit-requests-left'),
  retryAfter: h.get('x-retry-after'),
});

beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: 'demo-sandbox-limits' } });
});
afterAll(async () => {
  await sandbox.close();
});

describe('RateWindow (pure)', () => {
  it.each([
    // [quota, windowMs, request times, expected allowed flags, expected lefts]
    [2, 1000, [0, 10, 20], [true, true, false], [1, 0, 0]],
    [2, 1000, [0, 10, 1000], [true, true, true], [1, 0, 1]],
    [1, 500, [0, 499, 500, 999], [true, false, true, false], [0, 0, 0, 0]],
  ])('quota %i per %i ms', (quota, windowMs, times, allowed, lefts) => {
    const w = new RateWindow(quota, windowMs);
    const ds = times.map((t) => w.take(t));
    expect(ds.map((d) => d.allowed)).toEqual(allowed);
    expect(ds.map((d) => d.left)).toEqual(lefts);
  });

  it('reports the time to reset and a rounded-up X-Retry-After', () => {
    const w = new RateWindow(1, 30_000);
    w.take(1_000);
    const d = w.take(2_500);
    expect(d).toMatchObject({ allowed: false, resetMs: 28_500, retryAfterSeconds: 29, quota: 1, windowMs: 30_000 });
  });
});

describe('rate limit over HTTP', () => {
  it('sends the four headers on every response, 429 + X-Retry-After when exhausted, and refills after the window', async () => {
    const { api, hash } = freshStore({ quota: 3, windowMs: 1_000 });
    const lefts: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api.get('/v3/catalog/products/1');
      expect(r.status).toBe(200);
      const h = rateHeaders(r.headers);
      expect(h).toMatchObject({ window: '1000', quota: '3', retryAfter: null });
      expect(h.reset).toBeGreaterThan(0);
      expect(h.reset).toBeLessThanOrEqual(1000);
      lefts.push(h.left);
    }
    expect(lefts).toEqual(['2', '1', '0']);
    const limited = await api.get('/v3/catalog/products/1');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: 429 });
    const lh = rateHeaders(limited.headers);
    expect(lh).toMatchObject({ window: '1000', quota: '3', left: '0', retryAfter: '1' });
    // 429s do not count: several more still leave the next window with a full quota.
    await api.get('/v3/catalog/products/1');
    await api.get('/v3/catalog/products/1');
    let after = limited;
    await expect
      .poll(
        async () => {
          after = await api.get('/v3/catalog/products/1');
          return after.status;
        },
        { timeout: lh.reset + 2_000, interval: 50 },
      )
      .toBe(200);
    expect(rateHeaders(after.headers).left).toBe('2');
    const s = sandbox.stats(hash).status;
    expect(s['200']).toBe(4);
    expect(s['429']).toBeGreaterThanOrEqual(3);
  });

  it('401 responses carry the headers but do not spend quota', async () => {
    const { api, hash } = freshStore({ quota: 2, windowMs: 60_000 });
    const bad = await storeApi(sandbox.url, hash, 'wrong').get('/v3/catalog/products');
    expect(bad.status).toBe(401);
    expect(rateHeaders(bad.headers).quota).toBe('2');
    expect((await api.get('/v3/catalog/products')).status).toBe(200);
    expect((await api.get('/v3/catalog/products')).status).toBe(200);
    expect((await api.get('/v3/catalog/products')).status).toBe(429);
  });

  it('the quota is per store', async () => {
    const a = freshStore({ quota: 1, windowMs: 60_000 });
    const b = freshStore({ quota: 1, windowMs: 60_000 });
    expect((await a.api.get('/v3/catalog/products')).status).toBe(200);
    expect((await a.api.get('/v3/catalog/products')).status).toBe(429);
    expect((await b.api.get('/v3/catalog/products')).status).toBe(200);
  });
});

describe('faults', () => {
  it('burst429: exactly the next N requests get 429 with rate headers, without spending quota', async () => {
    const { api, store } = freshStore({ quota: 5, windowMs: 60_000 });
    store.setFaults({ burst429: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await api.get('/v3/catalog/products')).status);
    expect(statuses).toEqual([429, 429, 200, 200]);
    const r = await api.get('/v3/catalog/products');
    expect(rateHeaders(r.headers).left).toBe('2');
  });

  it('errorRate 1 answers every request with 500/502/503 in BigCommerce shape; 0 restores', async () => {
    const { api, store } = freshStore({ faults: { errorRate: 1 }, seed: 11 });
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const r = await api.get('/v3/catalog/products');
      seen.add(r.status);
      expect(r.body.status).toBe(r.status);
    }
    expect([...seen].every((s) => [500, 502, 503].includes(s))).toBe(true);
    expect(seen.size).toBeGreaterThan(1);
    store.setFaults({});
    expect((await api.get('/v3/catalog/products')).status).toBe(200);
  });

  it('a seeded errorRate is reproducible', async () => {
    const run = async () => {
      const { api } = freshStore({ faults: { errorRate: 0.5 }, seed: 99 });
      const out: number[] = [];
      for (let i = 0; i < 10; i++) out.push((await api.get('/v3/catalog/products')).status);
      return out;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a).toContain(200);
    expect(a.some((s) => s >= 500)).toBe(true);
  });

  it('latencyMs delays responses (fixed and ranged)', async () => {
    const { api, store } = freshStore({ faults: { latencyMs: 150 } });
    let t = performance.now();
    expect((await api.get('/v3/catalog/products')).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(145);
    store.setFaults({ latencyMs: [60, 80] });
    t = performance.now();
    await api.get('/v3/catalog/products');
    const took = performance.now() - t;
    expect(took).toBeGreaterThanOrEqual(55);
    expect(took).toBeLessThan(1000);
  });
});

describe('eventual consistency', () => {
  it('a product created under consistencyDelayMs is 404 (and absent from lists) until the delay passes', async () => {
    const { api, store } = freshStore({ consistencyDelayMs: 400 }, 1);
    const p = store.createProduct({ name: 'late' });
    expect(store.product(p.id)?.name).toBe('late');
    expect((await api.get(`/v3/catalog/products/${p.id}`)).status).toBe(404);
    expect(idsOf(await api.get('/v3/catalog/products'))).toEqual([1]);
    await expect.poll(async () => (await api.get(`/v3/catalog/products/${p.id}`)).status, { timeout: 3_000, interval: 50 }).toBe(200);
    expect(idsOf(await api.get('/v3/catalog/products'))).toEqual([1, p.id]);
  });

  it('an update shows the previous version until the delay passes (list and single)', async () => {
    const { api, store } = freshStore({ consistencyDelayMs: 400 }, 1);
    const before = store.product(1)!;
    store.updateProduct(1, { sale_price: 3.33 });
    expect(store.product(1)?.sale_price).toBe(3.33);
    expect((await api.get('/v3/catalog/products/1')).body.data.sale_price).toBe(before.sale_price);
    expect((await api.get('/v3/catalog/products?id:in=1')).body.data[0].sale_price).toBe(before.sale_price);
    await expect.poll(async () => (await api.get('/v3/catalog/products/1')).body.data.sale_price as number, { timeout: 3_000, interval: 50 }).toBe(3.33);
  });

  it('per-change invisibleForMs overrides the store default; a later faster change wins once visible', async () => {
    const { api, store } = freshStore({}, 2);
    store.updateProduct(1, { name: 'slow' }, { invisibleForMs: 60_000 });
    store.updateProduct(2, { name: 'now' });
    expect((await api.get('/v3/catalog/products/2')).body.data.name).toBe('now');
    expect((await api.get('/v3/catalog/products/1')).body.data.name).not.toBe('slow');
    store.updateProduct(1, { name: 'fast' }, { invisibleForMs: 0 });
    expect((await api.get('/v3/catalog/products/1')).body.data.name).toBe('fast');
  });

  it('bulkUpdate with invisibleForMs hides every change', async () => {
    const { api, store } = freshStore({}, 5);
    store.bulkUpdate([1, 2, 3], () => ({ is_featured: true, name: 'bulk' }), { invisibleForMs: 60_000 });
    const r = await api.get('/v3/catalog/products?id:in=1,2,3');
    expect((r.body.data as { name: string }[]).some((p) => p.name === 'bulk')).toBe(false);
    expect(store.products().filter((p) => p.name === 'bulk')).toHaveLength(3);
  });

  it('a delete under consistencyDelayMs still reads as present until the delay passes', async () => {
    const { api, store } = freshStore({ consistencyDelayMs: 60_000 }, 2);
    store.deleteProduct(2);
    expect(store.product(2)).toBeUndefined();
    expect((await api.get('/v3/catalog/products/2')).status).toBe(200);
  });

  it('a delete is visible at once without a delay, and 404 afterwards', async () => {
    const { api, store } = freshStore({}, 2);
    store.deleteProduct(2);
    expect(store.product(2)).toBeUndefined();
    expect((await api.get('/v3/catalog/products/2')).status).toBe(404);
    expect(() => store.deleteProduct(2)).toThrow(/not found/);
  });
});
