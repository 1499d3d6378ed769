// Webhook events published by the sandbox, received on a real Pub/Sub emulator pull subscription.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { jwtVerify } from 'jose';
import { productChangeEvents } from '../../src/sandbox/sandbox-store.ts';
import { scopeMatches, startSandbox, type EventBody, type Product, type Sandbox, type StoreOptions } from '../../src/sandbox/index.ts';
import { generateProducts } from '../../src/sandbox/generate-products.ts';
import { pubsubTopic, storeApi } from './sandbox-helpers.ts';

const PROJECT = 'demo-sandbox-events';
let sandbox: Sandbox;
let n = 0;
const topics: Awaited<ReturnType<typeof pubsubTopic>>[] = [];

async function topic() {
  const t = await pubsubTopic(PROJECT, `events-${++n}-${Date.now()}`);
  topics.push(t);
  return t;
}
/** A store whose defaultTopic is a fresh emulator topic with a pull subscription. */
async function storeWithTopic(opts: Partial<StoreOptions> = {}, count = 5) {
  const t = await topic();
  const hash = `ev${n}`;
  const store = sandbox.createStore({ hash, accessToken: `tok-${hash}`, defaultTopic: t.name, seed: 5, ...opts });
  if (count > 0) store.seedProducts(count, { seed: 1 });
  return { store, hash, t, api: storeApi(sandbox.url, hash, `tok-${hash}`) };
}
const summary = (bodies: EventBody[]) => bodies.map((b) => `${b.scope}#${JSON.stringify(b.data.id ?? null)}`).sort();

beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT } });
});
afterAll(async () => {
  await sandbox.close();
  await Promise.all(topics.map((t) => t.close()));
});

describe('which events a product change fires (pure)', () => {
  const [base] = generateProducts(1, { seed: 2 }) as [Product];
  const tracked: Product = { ...base, inventory_tracking: 'product', inventory_level: 10 };
  const untracked: Product = { ...base, inventory_tracking: 'none', inventory_level: 10 };
  it.each([
    ['price change', tracked, { price: tracked.price + 1 }, ['store/product/updated']],
    ['categories change', tracked, { categories: [99] }, ['store/product/updated']],
    ['visibility change', tracked, { is_visible: !tracked.is_visible }, ['store/product/updated']],
    ['inventory with tracking', tracked, { inventory_level: 7 }, ['store/product/updated', 'store/product/inventory/updated']],
    ['inventory without tracking', untracked, { inventory_level: 7 }, ['store/product/inventory/updated']],
    ['custom field only', tracked, { custom_fields: [{ id: 1, name: 'x', value: 'y' }] }, []],
    ['date_modified only', tracked, { date_modified: '2020-01-01T00:00:00+00:00' }, []],
    ['nothing', tracked, {}, []],
  ])('%s', (_label, prev, patch, scopes) => {
    const events = productChangeEvents(prev, { ...prev, ...patch });
    expect(events.map((e) => e.scope)).toEqual(scopes);
  });

  it('inventory events carry the delta with method absolute', () => {
    const [, inv] = productChangeEvents(tracked, { ...tracked, inventory_level: 4 });
    expect(inv?.data).toEqual({ type: 'product', id: tracked.id, inventory: { product_id: tracked.id, method: 'absolute', value: -6 } });
  });

  it.each([
    ['store/product/*', 'store/product/updated', true],
    ['store/product/*', 'store/product/inventory/updated', true],
    ['store/product/updated', 'store/product/updated', true],
    ['store/product/updated', 'store/product/created', false],
    ['store/product/*', 'store/sku/updated', false],
    ['store/sku/*', 'store/sku/inventory/updated', true],
  ])('scope %s matches %s: %s', (hook, event, expected) => {
    expect(scopeMatches(hook, event)).toBe(expected);
  });
});

describe('event bodies on Pub/Sub', () => {
  it('create/update/delete publish BigCommerce-shaped bodies with distinct 40-hex hashes', async () => {
    const { store, t, hash } = await storeWithTopic();
    const before = Math.floor(Date.now() / 1000);
    const p = store.createProduct({ name: 'new one' });
    store.updateProduct(p.id, { price: 9.99 });
    store.deleteProduct(p.id);
    await store.flushEvents();
    const got = await t.drain(3);
    expect(got).toHaveLength(3);
    const byScope = new Map(got.map((m) => [m.body.scope, m.body]));
    expect([...byScope.keys()].sort()).toEqual(['store/product/created', 'store/product/deleted', 'store/product/updated']);
    const created = byScope.get('store/product/created')!;
    expect(Object.keys(created).sort()).toEqual(['created_at', 'data', 'hash', 'producer', 'scope', 'store_id']);
    expect(created.producer).toBe(`stores/${hash}`);
    expect(created.store_id).toMatch(/^\d+$/);
    expect(created.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(created.created_at).toBeGreaterThanOrEqual(before);
    expect(created.created_at).toBeLessThanOrEqual(before + 5);
    expect(created.data).toEqual({ type: 'product', id: p.id });
    expect(new Set(got.map((m) => m.body.hash)).size).toBe(3);
    // publishedEvents() mirrors what reached the topic, with the emulator's message ids.
    const published = store.publishedEvents();
    expect(published.map((e) => e.messageId).sort()).toEqual(got.map((m) => m.messageId).sort());
    expect(published.every((e) => e.topic === t.name && e.hookId === undefined && !e.duplicate)).toBe(true);
    expect(sandbox.stats(hash).eventsPublished).toBe(3);
  });

  it('an update that changes nothing publishes nothing; inventory changes add an inventory event', async () => {
    const { store, t } = await storeWithTopic({}, 0);
    const p = store.createProduct({ name: 'inv', inventory_tracking: 'product', inventory_level: 5 });
    store.updateProduct(p.id, { name: 'inv' });
    store.updateProduct(p.id, { inventory_level: 8 });
    await store.flushEvents();
    const got = await t.drain(3);
    expect(summary(got.map((m) => m.body))).toEqual([`store/product/created#${p.id}`, `store/product/inventory/updated#${p.id}`, `store/product/updated#${p.id}`]);
    const inv = got.find((m) => m.body.scope === 'store/product/inventory/updated')!;
    expect(inv.body.data).toEqual({ type: 'product', id: p.id, inventory: { product_id: p.id, method: 'absolute', value: 3 } });
  });

  it('duplicateRate 1 publishes every event twice: same body and hash, different message ids', async () => {
    const { store, t } = await storeWithTopic({ events: { duplicateRate: 1 } });
    store.updateProduct(1, { price: 1234 });
    store.updateProduct(2, { price: 1234 });
    await store.flushEvents();
    const got = await t.drain(4);
    expect(got).toHaveLength(4);
    const byHash = new Map<string, string[]>();
    for (const m of got) byHash.set(m.body.hash, [...(byHash.get(m.body.hash) ?? []), m.messageId]);
    expect(byHash.size).toBe(2);
    for (const ids of byHash.values()) expect(new Set(ids).size).toBe(2);
    expect(store.publishedEvents().filter((e) => e.duplicate)).toHaveLength(2);
  });

  it('extraUpdatedPerChange adds product/updated events with later created_at and their own hashes', async () => {
    const { store, t } = await storeWithTopic({ events: { extraUpdatedPerChange: 2 } });
    store.updateProduct(3, { is_featured: !store.product(3)!.is_featured });
    await store.flushEvents();
    const got = await t.drain(3);
    expect(got).toHaveLength(3);
    expect(got.every((m) => m.body.scope === 'store/product/updated' && m.body.data.id === 3)).toBe(true);
    expect(new Set(got.map((m) => m.body.hash)).size).toBe(3);
    const times = got.map((m) => m.body.created_at).sort();
    expect(times[2]! - times[0]!).toBe(2);
  });

  it('reorder shuffles one emission batch (seeded), without losing events', async () => {
    const { store } = await storeWithTopic({ events: { reorder: true }, seed: 1234 }, 30);
    store.bulkUpdate(
      store.products().map((p) => p.id),
      (p) => ({ price: p.price + 1 }),
    );
    await store.flushEvents();
    const order = store
      .publishedEvents()
      .filter((e) => e.body.scope === 'store/product/updated')
      .map((e) => e.body.data.id as number);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // Bodies are handed to Pub/Sub in shuffled order; for 30 items the identity order is (practically) impossible.
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it('delayMs holds the batch back; flushEvents waits for it', async () => {
    const { store, t } = await storeWithTopic({ events: { delayMs: 300 } });
    const start = performance.now();
    store.updateProduct(1, { price: 77 });
    expect(await t.pullOnce()).toEqual([]);
    expect(store.publishedEvents()).toHaveLength(0);
    await store.flushEvents();
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
    expect(await t.drain(1)).toHaveLength(1);
  });

  it('close() flushes publishes that are still waiting out delayMs', async () => {
    const t = await topic();
    const other = await startSandbox({ pubsub: { projectId: PROJECT } });
    const store = other.createStore({ hash: 'closing', accessToken: 'x', defaultTopic: t.name, events: { delayMs: 200 } });
    store.seedProducts(1);
    store.updateProduct(1, { price: 5 });
    await Promise.all([other.close(), other.close()]);
    expect(store.publishedEvents()).toHaveLength(1);
    expect(await t.drain(1)).toHaveLength(1);
  });

  it('emitEvent publishes arbitrary scopes (e.g. sku events) through the same path', async () => {
    const { store, t } = await storeWithTopic();
    store.emitEvent('store/sku/updated', { type: 'sku', id: 55, sku: { product_id: 2, variant_id: 55 } });
    await store.flushEvents();
    const [m] = await t.drain(1);
    expect(m?.body.scope).toBe('store/sku/updated');
    expect(m?.body.data).toEqual({ type: 'sku', id: 55, sku: { product_id: 2, variant_id: 55 } });
    expect(() => store.emitEvent('store/product/*', {})).toThrow();
  });
});

describe('category assignments fire store/product/updated once per changed product', () => {
  it('PUT: one event per product whose categories changed, none for pairs already assigned', async () => {
    const { store, t, api, hash } = await storeWithTopic({}, 0);
    store.createProduct({ name: 'a', categories: [] });
    store.createProduct({ name: 'b', categories: [50] });
    store.createProduct({ name: 'c', categories: [] });
    await store.flushEvents();
    await t.drain(3);
    const r = await api.put('/v3/catalog/products/category-assignments', [
      { product_id: 1, category_id: 50 },
      { product_id: 1, category_id: 51 },
      { product_id: 2, category_id: 50 },
      { product_id: 3, category_id: 51 },
    ]);
    expect(r.status).toBe(204);
    await store.flushEvents();
    const got = await t.drain(2);
    expect(summary(got.map((m) => m.body))).toEqual(['store/product/updated#1', 'store/product/updated#3']);
    expect(store.product(1)?.categories).toEqual([50, 51]);
    const s = sandbox.stats(hash);
    expect(s).toMatchObject({ categoryWrites: 1, categoryAssignmentsWritten: 4, categoryAssignmentsNoop: 1 });

    // Writing the same pairs again changes nothing and fires nothing (the feedback loop ends here).
    const again = await api.put('/v3/catalog/products/category-assignments', [{ product_id: 1, category_id: 50 }]);
    expect(again.status).toBe(204);
    await store.flushEvents();
    expect(await t.drain(0)).toEqual([]);
  });

  it('DELETE: one event per product that lost a category; a no-op delete fires nothing', async () => {
    const { store, t, api, hash } = await storeWithTopic({}, 0);
    store.createProduct({ categories: [50, 51] });
    store.createProduct({ categories: [51] });
    store.createProduct({ categories: [7] });
    await store.flushEvents();
    await t.drain(3);
    const before = store.product(1)!.date_modified;
    expect((await api.del('/v3/catalog/products/category-assignments?category_id:in=50,51&product_id:in=1,2,3')).status).toBe(204);
    await store.flushEvents();
    const got = await t.drain(2);
    expect(summary(got.map((m) => m.body))).toEqual(['store/product/updated#1', 'store/product/updated#2']);
    expect(store.product(3)?.categories).toEqual([7]);
    expect(sandbox.stats(hash).categoryAssignmentsDeleted).toBe(3);
    expect(Date.parse(store.product(1)!.date_modified)).toBeGreaterThanOrEqual(Date.parse(before));

    expect((await api.del('/v3/catalog/products/category-assignments?category_id:in=50')).status).toBe(204);
    await store.flushEvents();
    expect(await t.drain(0)).toEqual([]);
  });

  it('a REST batch PUT that changes a product fires product/updated; an identical one fires nothing', async () => {
    const { store, t, api } = await storeWithTopic();
    const r1 = await api.put('/v3/catalog/products', [{ id: 1, sale_price: 0.5 }]);
    expect(r1.status).toBe(200);
    await store.flushEvents();
    expect(summary((await t.drain(1)).map((m) => m.body))).toEqual(['store/product/updated#1']);
    await api.put('/v3/catalog/products', [{ id: 1, sale_price: 0.5 }]);
    await store.flushEvents();
    expect(await t.drain(0)).toEqual([]);
  });
});

describe('webhooks and delivery', () => {
  it('each active hook whose scope matches gets the event (wildcards included); others do not', async () => {
    const products = await topic();
    const skus = await topic();
    const { store } = await storeWithTopic({ defaultTopic: undefined });
    store.addHook({ scope: 'store/product/*', destination: products.name });
    store.addHook({ scope: 'store/sku/*', destination: skus.name });
    store.updateProduct(1, { inventory_level: store.product(1)!.inventory_level + 1, inventory_tracking: 'product' });
    await store.flushEvents();
    const got = await products.drain(2);
    expect(got.map((m) => m.body.scope).sort()).toEqual(['store/product/inventory/updated', 'store/product/updated']);
    expect(await skus.drain(0)).toEqual([]);
    expect(store.publishedEvents().every((e) => e.hookId === 1)).toBe(true);
  });

  it('deactivateHooks stops delivery to hooks (status DEACTIVATED)', async () => {
    const dest = await topic();
    const { store } = await storeWithTopic({ defaultTopic: undefined });
    store.addHook({ scope: 'store/product/*', destination: dest.name });
    store.updateProduct(1, { price: 1 });
    await store.flushEvents();
    expect(await dest.drain(1)).toHaveLength(1);
    store.deactivateHooks();
    expect(store.hooks().map((h) => [h.isActive, h.status])).toEqual([[false, 'DEACTIVATED']]);
    store.updateProduct(1, { price: 2 });
    store.createProduct({});
    await store.flushEvents();
    expect(await dest.drain(0)).toEqual([]);
  });

  it('setDefaultTopic(undefined) silences a store without hooks', async () => {
    const { store, t } = await storeWithTopic();
    store.setDefaultTopic(undefined);
    store.updateProduct(1, { price: 3 });
    await store.flushEvents();
    expect(await t.drain(0)).toEqual([]);
  });

  it('a hook whose topic was deleted is deactivated after a failed publish', async () => {
    const dest = await topic();
    const { store, hash } = await storeWithTopic({ defaultTopic: undefined });
    store.addHook({ scope: 'store/product/updated', destination: dest.name });
    await dest.subscription.delete();
    await dest.topic.delete();
    store.updateProduct(1, { price: 4 });
    await store.flushEvents();
    expect(store.hooks()[0]).toMatchObject({ isActive: false, status: 'DEACTIVATED' });
    expect(sandbox.stats(hash).eventPublishFailures).toBe(1);
  });

  it('app uninstall: the app hooks are deleted and the token revoked, no store/app/uninstalled event, the uninstall callback is called', async () => {
    const dest = await topic();
    const calls: string[] = [];
    const app = Fastify();
    app.get('/uninstall', async (req) => {
      calls.push(String((req.query as { signed_payload_jwt?: string }).signed_payload_jwt));
      return { ok: true };
    });
    const appUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const withCallback = await startSandbox({ pubsub: { projectId: PROJECT }, uninstallCallbackUrl: `${appUrl}/uninstall` });
    try {
      const store = withCallback.createStore({ hash: 'uninst1', accessToken: 'tok-uninst1' });
      store.seedProducts(2);
      store.addHook({ scope: 'store/app/uninstalled', destination: dest.name });
      store.addHook({ scope: 'store/product/*', destination: dest.name, clientId: 'other-app' });
      expect(await store.uninstall()).toEqual({ callbackStatus: 200 });
      await store.flushEvents();
      expect(await dest.drain(0)).toEqual([]);
      expect(store.publishedEvents()).toEqual([]);
      expect(store.hooks().map((h) => h.clientId)).toEqual(['other-app']);
      expect(store.uninstalled).toBe(true);
      expect((await storeApi(withCallback.url, 'uninst1', 'tok-uninst1').get('/v3/catalog/products')).status).toBe(401);
      // The callback carries a payload the app verifies with its client secret.
      expect(calls).toHaveLength(1);
      const { payload } = await jwtVerify(calls[0]!, new TextEncoder().encode(withCallback.clientSecret), { audience: withCallback.clientId });
      expect(payload).toMatchObject({ iss: 'bc', sub: 'stores/uninst1' });
    } finally {
      await withCallback.close();
      await app.close();
    }
  });

  it('app uninstall without a registered uninstall callback changes the same state and calls nothing', async () => {
    const { store } = await storeWithTopic({ defaultTopic: undefined });
    expect(await store.uninstall()).toEqual({ callbackStatus: undefined });
    expect(store.uninstalled).toBe(true);
  });
});
