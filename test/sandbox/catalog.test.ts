// Catalog REST of the sandbox over real HTTP: list/single/batch PUT, pagination, fields, filters,
// auth, URL limit. Events are covered in events.test.ts; here no Pub/Sub topic is involved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_TOO_LARGE_TITLE, BC_ERROR_TYPE, PRODUCT_NOT_FOUND_TITLE, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { idsOf, storeApi } from './sandbox-helpers.ts';

let sandbox: Sandbox;
let n = 0;
/** A fresh store with `count` seeded products (seed 7) and its API client. */
function freshStore(count = 0, opts: Record<string, unknown> = {}) {
  const hash = `cat${++n}`;
  const store = sandbox.createStore({ hash, accessToken: `tok-${hash}`, ...opts });
  if (count > 0) store.seedProducts(count, { seed: 7 });
  return { store, hash, api: storeApi(sandbox.url, hash, `tok-${hash}`) };
}

beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: 'demo-sandbox-catalog' } });
});
afterAll(async () => {
  await sandbox.close();
});

describe('GET /v3/catalog/products', () => {
  it('returns the documented envelope with default page size 50', async () => {
    const { api } = freshStore(120);
    const r = await api.get('/v3/catalog/products');
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(50);
    expect(r.body.data[0].id).toBe(1);
    expect(r.body.meta.pagination).toEqual({
      total: 120,
      count: 50,
      per_page: 50,
      current_page: 1,
      total_pages: 3,
      links: { current: '?limit=50&page=1', next: '?limit=50&page=2' },
    });
  });

  it.each([
    // [limit, page, count, total_pages, first id, has previous, has next]
    [50, 3, 20, 3, 101, true, false],
    [250, 1, 120, 1, 1, false, false],
    [7, 2, 7, 18, 8, true, true],
    [120, 1, 120, 1, 1, false, false],
    [50, 4, 0, 3, undefined, true, false],
  ])('pagination math: limit=%i page=%i -> count %i of %i pages', async (limit, page, count, pages, firstId, hasPrev, hasNext) => {
    const { api } = freshStore(120);
    const r = await api.get(`/v3/catalog/products?limit=${limit}&page=${page}`);
    expect(r.status).toBe(200);
    const p = r.body.meta.pagination;
    expect(p).toMatchObject({ total: 120, count, per_page: limit, current_page: page, total_pages: pages });
    expect(r.body.data[0]?.id).toBe(firstId);
    expect('previous' in p.links).toBe(hasPrev);
    expect('next' in p.links).toBe(hasNext);
  });

  it('an empty catalog answers 200 with no data and zero pages', async () => {
    const { api } = freshStore(0);
    const r = await api.get('/v3/catalog/products');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual([]);
    expect(r.body.meta.pagination).toMatchObject({ total: 0, count: 0, total_pages: 0, current_page: 1 });
  });

  it('id:in returns only known ids; unknown ones are simply absent', async () => {
    const { api } = freshStore(10);
    const r = await api.get('/v3/catalog/products?id:in=3,999,1,12345');
    expect(r.status).toBe(200);
    expect(idsOf(r)).toEqual([1, 3]);
    expect(r.body.meta.pagination.total).toBe(2);
    expect(idsOf(await api.get('/v3/catalog/products?id:in=3,3,1,3'))).toEqual([1, 3]);
    expect(idsOf(await api.get('/v3/catalog/products?id:in=1,2,3,4&is_visible=true&limit=2&page=1')).length).toBeLessThanOrEqual(2);
  });

  it('include_fields returns id plus the listed fields only; exclude_fields removes fields but never id', async () => {
    const { api } = freshStore(3);
    const inc = await api.get('/v3/catalog/products?include_fields=sale_price,categories');
    expect(Object.keys(inc.body.data[0] as object).sort()).toEqual(['categories', 'id', 'sale_price']);
    const exc = await api.get('/v3/catalog/products?exclude_fields=id,description,name');
    expect(exc.body.data[0]).toHaveProperty('id');
    expect(exc.body.data[0]).toHaveProperty('price');
    expect(exc.body.data[0]).not.toHaveProperty('description');
    expect(exc.body.data[0]).not.toHaveProperty('name');
  });

  it('returns the product_Full fields rules use, and custom_fields only with include=custom_fields', async () => {
    const { api, store } = freshStore(0);
    store.createProduct({ name: 'With field', price: 10, sale_price: 4, custom_fields: [{ id: 1, name: 'Brand', value: 'Acme' }] });
    const plain = await api.get('/v3/catalog/products/1');
    for (const f of ['name', 'sku', 'price', 'sale_price', 'retail_price', 'cost_price', 'calculated_price', 'inventory_level', 'inventory_tracking', 'is_visible', 'is_featured', 'availability', 'brand_id', 'categories', 'date_created', 'date_modified', 'type', 'total_sold']) {
      expect(plain.body.data).toHaveProperty(f);
    }
    expect(plain.body.data.calculated_price).toBe(4);
    expect(plain.body.data.date_modified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(plain.body.data).not.toHaveProperty('custom_fields');
    const withCf = await api.get('/v3/catalog/products/1?include=custom_fields&include_fields=name');
    expect(withCf.body.data).toEqual({ id: 1, name: 'With field', custom_fields: [{ id: 1, name: 'Brand', value: 'Acme' }] });
  });

  it('filters by date_modified:min/max (ISO or unix seconds), categories:in and sorts with direction', async () => {
    const { api, store } = freshStore(0);
    store.createProduct({ name: 'a', categories: [5] });
    store.createProduct({ name: 'b', categories: [6, 7] });
    store.createProduct({ name: 'c', categories: [7] });
    store.updateProduct(1, { date_modified: '2025-01-01T00:00:00+00:00' });
    store.updateProduct(2, { date_modified: '2025-02-01T00:00:00+00:00' });
    store.updateProduct(3, { date_modified: '2025-03-01T00:00:00+00:00' });
    const ids = async (q: string) => idsOf(await api.get(`/v3/catalog/products?${q}`));
    expect(await ids('date_modified:min=2025-02-01T00:00:00Z')).toEqual([2, 3]);
    expect(await ids(`date_modified:max=${Date.UTC(2025, 1, 1) / 1000}`)).toEqual([1, 2]);
    expect(await ids('categories:in=5,6')).toEqual([1, 2]);
    expect(await ids('sort=date_modified&direction=desc')).toEqual([3, 2, 1]);
    expect(await ids('sort=name&direction=desc&limit=2')).toEqual([3, 2]);
  });

  it('answers 422 for malformed filters and 413 for limit over 250 (default), or caps it when configured', async () => {
    const { api } = freshStore(300);
    const bad = await api.get('/v3/catalog/products?id:in=1,x');
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ status: 422, type: BC_ERROR_TYPE });
    expect(bad.body.errors).toHaveProperty('id:in');
    expect((await api.get('/v3/catalog/products?limit=0')).status).toBe(422);
    expect((await api.get('/v3/catalog/products?sort=bogus')).status).toBe(422);
    const ok = await api.get('/v3/catalog/products?limit=250');
    expect(ok.body.data).toHaveLength(250);
    const over = await api.get('/v3/catalog/products?limit=251');
    expect(over.status).toBe(413);
    expect(over.body.status).toBe(413);

    const capped = freshStore(300, { limitOver250: 'cap' });
    const c = await capped.api.get('/v3/catalog/products?limit=1000');
    expect(c.status).toBe(200);
    expect(c.body.data).toHaveLength(250);
    expect(c.body.meta.pagination.per_page).toBe(250);
  });
});

describe('GET /v3/catalog/products/{id}', () => {
  it('200 with {data, meta:{}} or the documented 404 body', async () => {
    const { api } = freshStore(2);
    const ok = await api.get('/v3/catalog/products/2');
    expect(ok.status).toBe(200);
    expect(ok.body.meta).toEqual({});
    expect(ok.body.data.id).toBe(2);
    const missing = await api.get('/v3/catalog/products/99');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ status: 404, title: PRODUCT_NOT_FOUND_TITLE, type: BC_ERROR_TYPE, errors: {} });
  });
});

describe('auth and routing', () => {
  it('401 for a missing or wrong token, 404 for an unknown store or route', async () => {
    const { hash } = freshStore(1);
    expect((await storeApi(sandbox.url, hash, undefined).get('/v3/catalog/products')).status).toBe(401);
    const wrong = await storeApi(sandbox.url, hash, 'nope').get('/v3/catalog/products');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ status: 401, type: BC_ERROR_TYPE });
    expect((await storeApi(sandbox.url, 'no-such-store', 'x').get('/v3/catalog/products')).status).toBe(404);
    expect((await storeApi(sandbox.url, hash, `tok-${hash}`).get('/v3/catalog/nothing-here')).status).toBe(404);
  });

  it('counts requests per route and status in stats', async () => {
    const { api, hash } = freshStore(1);
    await api.get('/v3/catalog/products');
    await api.get('/v3/catalog/products/1');
    await api.get('/v3/catalog/products/2');
    await storeApi(sandbox.url, hash, 'bad').get('/v3/catalog/products');
    const s = sandbox.stats(hash);
    expect(s.requests).toBe(4);
    expect(s.byRoute).toEqual({ 'GET /v3/catalog/products': 2, 'GET /v3/catalog/products/:id': 2 });
    expect(s.status).toEqual({ '200': 2, '404': 1, '401': 1 });
    expect(s.productGets).toBe(1);
    sandbox.resetStats();
    expect(sandbox.stats(hash).requests).toBe(0);
  });
});

describe('URL length limit', () => {
  /** `/stores/{hash}/v3/catalog/products?id:in=1,1,1...` padded to exactly `len` characters. */
  function urlOfLength(hash: string, len: number): string {
    const base = `/stores/${hash}/v3/catalog/products?id:in=1`;
    let url = base;
    while (url.length + 2 <= len) url += ',1';
    if (url.length < len) url = url.replace('id:in=1', 'id:in=01');
    expect(url.length).toBe(len);
    return url;
  }

  it('accepts 2048 characters and rejects 2049 with a BigCommerce-style 414, recorded in stats', async () => {
    const { hash } = freshStore(1);
    const headers = { 'x-auth-token': `tok-${hash}` };
    const ok = await fetch(`${sandbox.url}${urlOfLength(hash, 2048)}`, { headers });
    expect(ok.status).toBe(200);
    const tooLong = await fetch(`${sandbox.url}${urlOfLength(hash, 2049)}`, { headers });
    expect(tooLong.status).toBe(414);
    expect(await tooLong.json()).toMatchObject({ status: 414, title: 'Request-URI Too Long', type: BC_ERROR_TYPE });
    expect(tooLong.headers.get('x-rate-limit-requests-quota')).toBe('150');
    const s = sandbox.stats(hash);
    expect(s.rejectedLongUrls).toBe(1);
    expect(s.maxUrlLength).toBe(2049);
    expect(s.status['414']).toBe(1);
  });

  it('honours a per-store maxUrlLength', async () => {
    const { hash } = freshStore(1, { maxUrlLength: 100 });
    const headers = { 'x-auth-token': `tok-${hash}` };
    expect((await fetch(`${sandbox.url}${urlOfLength(hash, 100)}`, { headers })).status).toBe(200);
    expect((await fetch(`${sandbox.url}${urlOfLength(hash, 101)}`, { headers })).status).toBe(414);
  });
});

describe('PUT /v3/catalog/products (batch)', () => {
  it('updates up to 10 products, returns them, and replaces categories', async () => {
    const { api, store } = freshStore(12);
    const body = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, sale_price: 1.5, categories: [40 + i] }));
    const r = await api.put('/v3/catalog/products?include_fields=sale_price,categories', body);
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(10);
    expect(r.body.data[0]).toEqual({ id: 1, sale_price: 1.5, categories: [40] });
    expect(store.product(10)?.categories).toEqual([49]);
    expect(store.product(10)?.calculated_price).toBe(1.5);
    expect(sandbox.stats(store.hash).productWrites).toBe(10);
  });

  it('413 with the documented title for 11 items', async () => {
    const { api } = freshStore(12);
    const r = await api.put('/v3/catalog/products', Array.from({ length: 11 }, (_, i) => ({ id: i + 1, price: 1 })));
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ status: 413, title: BATCH_TOO_LARGE_TITLE });
  });

  it.each([
    ['not an array', { id: 1, price: 2 }, 422],
    ['an empty array', [], 422],
    ['an item without id', [{ price: 2 }], 422],
    ['a negative price', [{ id: 1, price: -1 }], 422],
    ['a bad enum', [{ id: 1, inventory_tracking: 'sometimes' }], 422],
    ['a duplicate id', [{ id: 1 }, { id: 1 }], 422],
    ['an unknown product id', [{ id: 1, price: 3 }, { id: 404, price: 3 }], 404],
  ])('rejects %s (%i) and changes nothing', async (_label, body, status) => {
    const { api, store } = freshStore(2);
    const before = store.product(1);
    const r = await api.put('/v3/catalog/products', body);
    expect(r.status).toBe(status);
    expect(r.body.status).toBe(status);
    expect(store.product(1)).toEqual(before);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const { hash } = freshStore(1);
    const r = await fetch(`${sandbox.url}/stores/${hash}/v3/catalog/products`, { method: 'PUT', headers: { 'x-auth-token': `tok-${hash}`, 'content-type': 'application/json' }, body: '[{' });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ status: 400, type: BC_ERROR_TYPE });
  });

  it('409 for a category that does not exist when the store restricts category ids', async () => {
    const { api } = freshStore(1, { categoryIds: [1, 2, 3] });
    expect((await api.put('/v3/catalog/products', [{ id: 1, categories: [2] }])).status).toBe(200);
    expect((await api.put('/v3/catalog/products', [{ id: 1, categories: [9] }])).status).toBe(409);
  });
});

describe('seeded catalogs', () => {
  it('are deterministic per seed, with ~70% sale_price 0 and categories within 1..30', () => {
    const a = freshStore(0).store.seedProducts(1000, { seed: 42 });
    const b = freshStore(0).store.seedProducts(1000, { seed: 42 });
    const c = freshStore(0).store.seedProducts(1000, { seed: 43 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const noSale = a.filter((p) => p.sale_price === 0).length / a.length;
    expect(noSale).toBeGreaterThan(0.62);
    expect(noSale).toBeLessThan(0.78);
    expect(a.every((p) => p.categories.every((x) => x >= 1 && x <= 30))).toBe(true);
    expect(new Set(a.map((p) => p.inventory_tracking))).toEqual(new Set(['none', 'product']));
    expect(a.every((p) => p.calculated_price === (p.sale_price > 0 ? p.sale_price : p.price))).toBe(true);
  });

  it('hands out copies: editing a returned product does not change the store', () => {
    const { store } = freshStore(2);
    store.product(1)!.categories.push(999);
    store.products()[0]!.name = 'edited';
    store.updateProduct(2, { price: 1 }).categories.push(998);
    expect(store.product(1)?.categories).not.toContain(999);
    expect(store.product(1)?.name).not.toBe('edited');
    expect(store.product(2)?.categories).not.toContain(998);
  });

  it('startId continues after existing products by default', () => {
    const { store } = freshStore(0);
    store.seedProducts(3);
    const more = store.seedProducts(2);
    expect(more.map((p) => p.id)).toEqual([4, 5]);
  });
});

describe('id-ordered listings on a changing catalog (the big-catalog index)', () => {
  it('keyset and page listings match a plain filter of the visible products through writes, deletes and unreadable versions', async () => {
    const { store, api } = freshStore(400);
    const ids = async (q: string) => ((await api.get(`/v3/catalog/products?${q}`)).body.data as { id: number }[]).map((p) => p.id);
    const keysetAll = async (extra = '') => {
      const out: number[] = [];
      let after = 0;
      for (;;) {
        const page = await ids(`id:greater=${after}&sort=id&limit=37&include_fields=date_modified${extra}`);
        if (page.length === 0) return out;
        out.push(...page);
        after = page.at(-1)!;
      }
    };
    const visibleIds = () => store.products().map((p) => p.id);
    expect(await keysetAll()).toEqual(visibleIds()); // builds the index
    store.updateProduct(10, { sale_price: 1 }); // visible at once: the index is patched
    store.deleteProduct(11);
    store.createProduct({ name: 'late', price: 5 }); // id 401
    store.updateProduct(12, { sale_price: 2 }, { invisibleForMs: 60_000 }); // not readable yet
    const expected = visibleIds(); // deleted 11 gone, 401 present
    expect(await keysetAll()).toEqual(expected);
    expect(await ids('sort=id&direction=desc&limit=5&page=2&include_fields=date_modified')).toEqual([...expected].reverse().slice(5, 10));
    // Reads see the old version of 12 and the new one of 10.
    const r = await api.get<{ data: { id: number; sale_price: number }[] }>('/v3/catalog/products?id:in=10,12&include_fields=sale_price');
    expect(r.body.data.find((p) => p.id === 10)?.sale_price).toBe(1);
    expect(r.body.data.find((p) => p.id === 12)?.sale_price).not.toBe(2);
    const onSale = (await keysetAll('&sale_price:min=0.01')).sort((a, b) => a - b);
    const listedSale = ((await api.get('/v3/catalog/products?id:greater=0&sort=id&limit=250&sale_price:min=0.01&include_fields=date_modified')).body.meta.pagination.total as number);
    expect(onSale.length).toBe(listedSale);
    expect(onSale).toContain(10);
    expect(onSale).not.toContain(12);
  });
});
