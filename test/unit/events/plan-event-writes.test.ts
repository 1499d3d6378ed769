import { describe, expect, it } from 'vitest';
import { markerId, planEventWrites } from '../../../src/events/plan-event-writes.ts';
import type { BigCommerceEvent } from '../../../src/bigcommerce/webhook-event.ts';

const ctx = { storeHash: 's1', hash: 'h1', messageId: 'm1', publishTime: 'p', nowMs: 1_000_000, dedupeTtlMs: 72 * 3_600_000 };
const ev = (scope: string, data: Record<string, unknown>, created_at = 1_700_000_000) =>
  ({ scope, producer: 'stores/s1', hash: 'h1', created_at, data }) as BigCommerceEvent;

describe('markerId', () => {
  it('differs by store, scope and hash and is a path-safe hex id', () => {
    const ids = new Set([markerId('a', 'store/product/updated', 'h'), markerId('b', 'store/product/updated', 'h'), markerId('a', 'store/product/created', 'h'), markerId('a', 'store/product/updated', 'g')]);
    expect(ids.size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
  });
  it('is stable', () => expect(markerId('a', 's', 'h')).toBe(markerId('a', 's', 'h')));
});

describe('planEventWrites', () => {
  it('marks the event with an expiry DEDUPE_TTL after receipt', () => {
    const plan = planEventWrites(ev('store/product/updated', { type: 'product', id: 5 }), ctx);
    expect(plan.marker).toMatchObject({ storeHash: 's1', scope: 'store/product/updated', hash: 'h1', messageId: 'm1', receivedAtMs: 1_000_000, expireAtMs: 1_000_000 + 72 * 3_600_000, eventCreatedAt: 1_700_000_000 });
  });

  it.each([
    { scope: 'store/product/updated', data: { type: 'product', id: 5 }, pending: [{ productId: 5, deleted: false }], effects: [], handled: true },
    { scope: 'store/product/deleted', data: { type: 'product', id: 6 }, pending: [{ productId: 6, deleted: true }], effects: [], handled: true },
    { scope: 'store/sku/updated', data: { type: 'sku', id: 1, sku: { product_id: 7, variant_id: 2 } }, pending: [{ productId: 7, deleted: false }], effects: [], handled: true },
    { scope: 'store/sku/deleted', data: { type: 'sku', id: 1, sku: { product_id: 8, variant_id: 2 } }, pending: [{ productId: 8, deleted: false }], effects: [], handled: true },
    { scope: 'store/app/uninstalled', data: { type: 'store' }, pending: [], effects: [{ kind: 'store-uninstalled', storeHash: 's1' }], handled: true },
    { scope: 'store/category/updated', data: { type: 'category', id: 3 }, pending: [], effects: [], handled: true },
    { scope: 'store/information/updated', data: { type: 'store' }, pending: [], effects: [], handled: true },
    { scope: 'store/order/created', data: { type: 'order', id: 3 }, pending: [], effects: [], handled: false },
  ])('$scope -> pending $pending, effects $effects', ({ scope, data, pending, effects, handled }) => {
    const plan = planEventWrites(ev(scope, data), ctx);
    expect(plan.handled).toBe(handled);
    expect(plan.pending).toEqual(pending.map((p) => ({ storeHash: 's1', scope, seenAtMs: 1_000_000, eventCreatedAt: 1_700_000_000, ...p })));
    expect(plan.effects).toEqual(effects.map((e) => ({ atMs: 1_000_000, eventCreatedAt: 1_700_000_000, ...e })));
  });
});
