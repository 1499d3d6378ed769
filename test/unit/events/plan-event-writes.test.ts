import { describe, expect, it } from 'vitest';
import {
  chunkMarkerId,
  layoutWrites,
  markerId,
  MAX_WRITES_PER_COMMIT,
  PENDING_PER_CHUNK,
  planEventWrites as planOrReject,
  type EventContext,
} from '../../../src/events/plan-event-writes.ts';
import type { BigCommerceEvent } from '../../../src/bigcommerce/webhook-event.ts';

const ctx = { storeHash: 's1', hash: 'h1', messageId: 'm1', publishTime: 'p', nowMs: 1_000_000, dedupeTtlMs: 72 * 3_600_000 };
const planEventWrites = (event: BigCommerceEvent, c: EventContext) => {
  const r = planOrReject(event, c);
  if (!r.ok) throw new Error(r.reason);
  return r.plan;
};
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
    { scope: 'store/product/updated', data: { type: 'product', id: 5 }, pending: { productIds: [5], deleted: false }, effects: [], handled: true },
    { scope: 'store/product/deleted', data: { type: 'product', id: 6 }, pending: { productIds: [6], deleted: true }, effects: [], handled: true },
    { scope: 'store/sku/updated', data: { type: 'sku', id: 1, sku: { product_id: 7, variant_id: 2 } }, pending: { productIds: [7], deleted: false }, effects: [], handled: true },
    { scope: 'store/sku/deleted', data: { type: 'sku', id: 1, sku: { product_id: 8, variant_id: 2 } }, pending: { productIds: [8], deleted: false }, effects: [], handled: true },
    { scope: 'store/modifier/updated', data: { type: 'shared_modifier', id: 1, affected_product_ids: [9, 3, 9] }, pending: { productIds: [3, 9], deleted: false }, effects: [], handled: true },
    { scope: 'store/modifier/updated', data: { type: 'shared_modifier', id: 1, affected_product_ids: [] }, pending: undefined, effects: [], handled: true },
    { scope: 'store/app/uninstalled', data: { type: 'store' }, pending: undefined, effects: [{ kind: 'store-uninstalled', storeHash: 's1' }], handled: true },
    { scope: 'store/category/updated', data: { type: 'category', id: 3 }, pending: undefined, effects: [], handled: true },
    { scope: 'store/information/updated', data: { type: 'store' }, pending: undefined, effects: [], handled: true },
    { scope: 'store/order/created', data: { type: 'order', id: 3 }, pending: undefined, effects: [], handled: false },
  ])('$scope -> pending $pending, effects $effects', ({ scope, data, pending, effects, handled }) => {
    const plan = planEventWrites(ev(scope, data), ctx);
    expect(plan.handled).toBe(handled);
    expect(plan.pending).toEqual(pending && { storeHash: 's1', scope, seenAtMs: 1_000_000, eventCreatedAt: 1_700_000_000, ...pending });
    expect(plan.effects).toEqual(effects.map((e) => ({ atMs: 1_000_000, eventCreatedAt: 1_700_000_000, ...e })));
  });

  it.each([
    ['store/product/updated', { type: 'product', id: '1152921504606846977' }],
    ['store/sku/updated', { type: 'sku', id: 1, sku: { product_id: 0 } }],
    ['store/modifier/updated', { type: 'shared_modifier', id: 1, affected_product_ids: [1, '12abc'] }],
  ])('refuses %s %j with the reason, writing nothing', (scope, data) => {
    const r = planOrReject(ev(scope, data), ctx);
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/not a safe positive integer/) });
  });
});

describe('layoutWrites', () => {
  const modifier = (n: number) => planEventWrites(ev('store/modifier/updated', { type: 'shared_modifier', id: 1, affected_product_ids: Array.from({ length: n }, (_, i) => i + 1) }), ctx);
  it.each([
    // marker + pending + index shard
    { products: 1, layout: { kind: 'one-commit', writes: 3 } },
    { products: 498, layout: { kind: 'one-commit', writes: 500 } },
  ])('$products products -> $layout', ({ products, layout }) => expect(layoutWrites(modifier(products))).toEqual(layout));

  it('a marker-only event is one commit of one write; an uninstall adds its store write', () => {
    expect(layoutWrites(planEventWrites(ev('store/category/updated', { type: 'category', id: 3 }), ctx))).toEqual({ kind: 'one-commit', writes: 1 });
    expect(layoutWrites(planEventWrites(ev('store/app/uninstalled', { type: 'store' }), ctx))).toEqual({ kind: 'one-commit', writes: 2 });
  });

  it.each([499, 996, 997, 90_000])('%i products: chunks of at most %s records covering every id once, in order', (n) => {
    const layout = layoutWrites(modifier(n));
    if (layout.kind !== 'chunked') throw new Error('expected chunks');
    expect(layout.chunks).toHaveLength(Math.ceil(n / PENDING_PER_CHUNK));
    let next = 0;
    for (const [i, c] of layout.chunks.entries()) {
      expect(c).toMatchObject({ index: i, start: next });
      expect(c.end - c.start).toBeGreaterThan(0);
      expect(c.end - c.start + 2).toBeLessThanOrEqual(MAX_WRITES_PER_COMMIT);
      next = c.end;
    }
    expect(next).toBe(n);
  });

  it('cuts the same chunks for a redelivery (ids arrive in another order) and names them stably', () => {
    const ids = Array.from({ length: 1500 }, (_, i) => i + 1);
    const a = planEventWrites(ev('store/modifier/updated', { type: 'shared_modifier', id: 1, affected_product_ids: ids }), ctx);
    const b = planEventWrites(ev('store/modifier/updated', { type: 'shared_modifier', id: 1, affected_product_ids: [...ids].reverse() }), { ...ctx, messageId: 'm2', nowMs: 5 });
    expect(layoutWrites(a)).toEqual(layoutWrites(b));
    expect(a.pending?.productIds).toEqual(b.pending?.productIds);
    expect(chunkMarkerId(a.marker.id, { index: 2 })).toBe(chunkMarkerId(b.marker.id, { index: 2 }));
    expect(chunkMarkerId(a.marker.id, { index: 2 })).not.toBe(chunkMarkerId(a.marker.id, { index: 3 }));
  });
});
