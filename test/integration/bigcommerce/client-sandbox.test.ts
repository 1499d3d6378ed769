// The BigCommerce transport and its resource modules against the project's sandbox (src/sandbox) over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBigCommerceClient } from '../../../src/bigcommerce/client.ts';
import { createCatalog } from '../../../src/bigcommerce/catalog.ts';
import { createCategoryAssignments } from '../../../src/bigcommerce/category-assignments.ts';
import { RateLimiter } from '../../../src/bigcommerce/rate-limiter.ts';
import { AppError } from '../../../src/errors.ts';
import { applyCategoryPlan } from '../../../src/rules/apply-category-plan.ts';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.ts';

const PROJECT = 'demo-bc-client-sandbox';
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT } });
});
afterAll(async () => {
  await sandbox?.close();
});

let storeCount = 0;
/** A fresh store per test (its own quota window and faults), with 30 seeded products (ids 1..30). */
function newStore(opts: { quota?: number; windowMs?: number } = {}) {
  const hash = `cs${++storeCount}`;
  const token = `tok-${hash}`;
  const store = sandbox.createStore({ hash, accessToken: token, seed: 7, ...opts });
  store.seedProducts(30, { seed: 1, startId: 1 });
  const limiter = new RateLimiter({ storeHash: hash, reserve: 0, jitterMs: 20 });
  const client = createBigCommerceClient({ apiUrl: sandbox.url, storeHash: hash, accessToken: token, rateLimiter: limiter, requestBudgetMs: 10_000, retryBaseMs: 20 });
  return { hash, token, store, limiter, client, catalog: createCatalog(client) };
}

async function caught(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof AppError)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
}

describe('client against the sandbox', () => {
  it('reads the catalog: by ids (unknown ids absent), pages with their count', async () => {
    const { store, catalog } = newStore();
    const byIds = await catalog.productsByIds([3, 1, 2, 999], { includeFields: ['price', 'sale_price', 'categories'] });
    expect(byIds.map((p) => p.id).sort((a, b) => a - b)).toEqual([1, 2, 3]);
    for (const p of byIds) {
      const truth = store.product(p.id)!;
      expect(p).toEqual({ id: truth.id, price: truth.price, sale_price: truth.sale_price, categories: truth.categories });
    }

    const page2 = await catalog.listProducts({ page: 2, limit: 10, includeFields: ['id'], sort: 'id', direction: 'asc' });
    expect(page2.products.map((p) => p.id)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(page2.pagination).toMatchObject({ total: 30, count: 10, per_page: 10, current_page: 2, total_pages: 3 });
  });

  it('lists by id keyset: every product once, even when products are deleted between pages', async () => {
    const { store, catalog } = newStore();
    const first = await catalog.productsAfter(0, { limit: 10 });
    expect(first.products.map((p) => p.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The cheapest listing by default: id (always returned) and date_modified (id is not in the include_fields enum).
    expect(Object.keys(first.products[0]!).sort()).toEqual(['date_modified', 'id']);
    store.deleteProduct(2); // page=N listings would shift by one here and skip product 11
    const ids = [...first.products.map((p) => p.id)];
    let after = first.lastId;
    let pages = 1;
    while (after !== undefined) {
      const page = await catalog.productsAfter(after, { limit: 10 });
      pages++;
      ids.push(...page.products.map((p) => p.id));
      after = page.lastId;
    }
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // 29 products left after the delete: 3 pages, the last one known to be last from `meta.pagination.total` (no empty page).
    expect(pages).toBe(3);
  });

  it('lists by keyset only what changed since a date', async () => {
    const { store, catalog } = newStore();
    const changed = store.updateProduct(17, { price: 1.23 });
    const since = Date.parse(changed.date_modified);
    const r = await catalog.productsAfter(0, { modifiedSinceMs: since });
    expect(r.products.map((p) => p.id)).toContain(17);
    expect(r.products.every((p) => Date.parse(store.product(p.id)!.date_modified) >= Math.floor(since / 1000) * 1000)).toBe(true);
    expect(r.lastId).toBeUndefined();
  });

  it('chunks ids so every id:in URL fits, and reads them all', async () => {
    const { catalog, hash } = newStore();
    const small = createCatalog(createBigCommerceClient({ apiUrl: sandbox.url, storeHash: hash, accessToken: `tok-${hash}` }), { maxUrlLength: 120 });
    const ids = Array.from({ length: 30 }, (_, i) => i + 1);
    const r = await small.readProductsByIds(ids, { includeFields: ['id'] }, 2);
    expect(r.products.map((p) => p.id).sort((a, b) => a - b)).toEqual(ids);
    expect(r.requests).toBeGreaterThan(1);
    expect(sandbox.stats(hash).maxUrlLength).toBeLessThanOrEqual(120 - sandbox.url.length);
    expect(catalog.chunkProductIds(ids, {})).toEqual([ids]);
  });

  it('filters by date_modified:min with an ISO offset date', async () => {
    const { store, catalog } = newStore();
    const dates = store
      .products()
      .map((p) => p.date_modified)
      .sort();
    const min = dates[20]!;
    const res = await catalog.listProducts({ page: 1, includeFields: ['date_modified'], dateModifiedMin: min });
    expect(res.products.length).toBe(store.products().filter((p) => Date.parse(p.date_modified) >= Date.parse(min)).length);
    expect(res.products.length).toBeGreaterThan(0);
    expect(res.products.length).toBeLessThan(30);
  });

  it('assigns and unassigns categories; the store state follows', async () => {
    const { store, client, hash } = newStore();
    const assignments = createCategoryAssignments(client);
    await assignments.assign([
      { product_id: 1, category_id: 500 },
      { product_id: 2, category_id: 500 },
      { product_id: 3, category_id: 500 },
    ]);
    expect([1, 2, 3].map((id) => store.product(id)!.categories.includes(500))).toEqual([true, true, true]);
    await assignments.unassign(500, [1, 3]);
    expect([1, 2, 3].map((id) => store.product(id)!.categories.includes(500))).toEqual([false, true, false]);
    expect(sandbox.stats(hash)).toMatchObject({ categoryWrites: 2, categoryAssignmentsDeleted: 2 });
  });

  it('stays inside a 10 / 1 s quota with 3 concurrent callers: no 429 at the sandbox', async () => {
    const { catalog, limiter, hash } = newStore({ quota: 10, windowMs: 1000 });
    const total = 20;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const id = (next++ % 30) + 1;
        await catalog.productsByIds([id]);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    const stats = sandbox.stats(hash);
    expect(stats.status['200']).toBe(total);
    expect(stats.status['429'] ?? 0).toBe(0);
    expect(limiter.stats().waits).toBeGreaterThan(0);
    expect(limiter.stats().rateLimited).toBe(0);
  });

  it('rides out a burst of 429s and random 5xx', async () => {
    const { store, catalog, limiter, hash } = newStore({ quota: 1000, windowMs: 1000 });
    store.setFaults({ burst429: 2, errorRate: 0.3 });
    for (let i = 1; i <= 10; i++) expect((await catalog.productsByIds([i])).map((p) => p.id)).toEqual([i]);
    const stats = sandbox.stats(hash);
    expect(stats.status['429']).toBe(2);
    expect(limiter.stats().rateLimited).toBe(2);
    expect(stats.status['200']).toBe(10);
  });

  it('a wrong token is BC_UNAUTHORIZED; an over-long URL is BC_BAD_REQUEST 414', async () => {
    const { hash } = newStore();
    const bad = createBigCommerceClient({ apiUrl: sandbox.url, storeHash: hash, accessToken: 'wrong', requestBudgetMs: 2_000 });
    expect(await caught(createCatalog(bad).listProducts({ page: 1, limit: 1 }))).toMatchObject({ code: 'BC_UNAUTHORIZED', retryable: false });

    const { client, catalog } = newStore();
    const ids = Array.from({ length: 250 }, (_, i) => 1_000_000_000 + i);
    expect(client.requestUrl(`/v3/catalog/products?id:in=${ids.join(',')}`).length).toBeGreaterThan(2048);
    const e = await caught(catalog.productsByIds(ids));
    expect(e).toMatchObject({ code: 'BC_BAD_REQUEST', retryable: false, details: { status: 414 } });
  });

  it('answers GraphQL at /stores/{hash}/graphql', async () => {
    const { client } = newStore();
    const res = await client.graphql<{ store: { webhooks: { edges: unknown[] } } }>('query { store { webhooks(first: 10) { edges { node { id scope } } } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data?.store.webhooks.edges).toEqual([]);
  });
});

describe('category-assignment batches against an undocumented size limit [U]', () => {
  it.each([413, 422] as const)('a store that refuses more than 7 pairs per PUT with %s: the plan is applied halved, nothing lost', async (status) => {
    const hash = `csb${status}`;
    const store = sandbox.createStore({ hash, accessToken: `tok-${hash}`, maxAssignmentsPerPut: 7, assignmentsOverLimitStatus: status });
    store.seedProducts(30, { seed: 1, startId: 1 });
    const client = createBigCommerceClient({ apiUrl: sandbox.url, storeHash: hash, accessToken: `tok-${hash}`, requestBudgetMs: 10_000 });
    const ids = Array.from({ length: 30 }, (_, i) => i + 1);
    const plan = { assign: ids.map((productId) => ({ productId, categoryId: 900 })), unassign: [], changedProductIds: ids, skippedProductIds: [] };
    const result = await applyCategoryPlan(plan, createCategoryAssignments(client), { assignBatchSize: 30 });
    expect(result).toMatchObject({ assigned: 30, assignBatchSizeUsed: 4, assignBatchesHalved: 3 });
    expect(ids.every((id) => store.product(id)?.categories.includes(900))).toBe(true);
    expect(sandbox.stats(hash).status).toMatchObject({ [String(status)]: 3, '204': 8 });
  });
});
