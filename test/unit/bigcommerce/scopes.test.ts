import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBHOOK_SCOPES, SCOPE_ACTIONS, productIdsOf, scopeAction, scopeMatches } from '../../../src/bigcommerce/scopes.ts';
import type { BigCommerceEvent } from '../../../src/bigcommerce/webhook-event.ts';

const base = { scope: 'store/product/updated', store_id: '1001', producer: 'stores/abc123', hash: 'a'.repeat(40), created_at: 1_700_000_000, data: { type: 'product', id: 5 } };

describe('scopeMatches', () => {
  it.each([
    ['store/product/*', 'store/product/updated', true],
    ['store/product/*', 'store/product/inventory/updated', true],
    ['store/product/*', 'store/product/inventory/order/updated', true],
    ['store/product/*', 'store/product/*', true],
    ['store/product/*', 'store/productx', false],
    ['store/product/*', 'store/productx/updated', false],
    ['store/product/updated', 'store/product/updated', true],
    ['store/product/updated', 'store/product/*', false],
    ['store/app/uninstalled', 'store/app/uninstalled', true],
    ['store/app/uninstalled', 'store/app/uninstalledx', false],
    ['store/*', 'store/app/uninstalled', true],
  ])('%s ~ %s = %s', (p, s, r) => expect(scopeMatches(p, s)).toBe(r));
});

describe('scopeAction', () => {
  it.each([
    ['store/product/updated', 'touch-products'],
    ['store/product/deleted', 'touch-products'],
    ['store/product/inventory/order/updated', 'touch-products'],
    ['store/sku/created', 'touch-products'],
    ['store/modifier/updated', 'touch-products'],
    ['store/app/uninstalled', 'store-uninstalled'],
    ['store/category/updated', 'record-only'],
    ['store/information/updated', 'record-only'],
    ['store/channel/created', 'record-only'],
    ['store/order/created', undefined],
    ['store/modifier/created', undefined],
  ])('%s -> %s', (scope, action) => expect(scopeAction(scope)).toBe(action));

  it('has an action for every scope the default hooks deliver', () => {
    for (const scope of DEFAULT_WEBHOOK_SCOPES) expect(scopeAction(scope), scope).toBeDefined();
  });

  it('lists each pattern once', () => {
    const patterns = SCOPE_ACTIONS.map(([p]) => p);
    expect(new Set(patterns).size).toBe(patterns.length);
  });
});

describe('productIdsOf', () => {
  const ev = (scope: string, data: Record<string, unknown>) => ({ ...base, scope, data }) as BigCommerceEvent;
  it.each([
    ['store/product/created', { type: 'product', id: 11 }, [11]],
    ['store/product/updated', { type: 'product', id: 12, properties: ['price'] }, [12]],
    ['store/product/deleted', { type: 'product', id: 13 }, [13]],
    ['store/product/inventory/updated', { type: 'product', id: 14, inventory: { product_id: 14, method: 'absolute', value: -2 } }, [14]],
    ['store/product/inventory/order/updated', { type: 'product', id: 15, inventory: { product_id: 15, method: 'relative', value: -1 } }, [15]],
    ['store/sku/created', { type: 'sku', id: 900, sku: { product_id: 16, variant_id: 3 } }, [16]],
    ['store/sku/inventory/updated', { type: 'sku', id: 901, inventory: { product_id: 17, variant_id: 4, method: 'absolute', value: 1 } }, [17]],
    ['store/product/metafield/updated', { metafield_id: 1, resource_id: '18', resource_type: 'product' }, [18]],
    ['store/modifier/updated', { type: 'shared_modifier', id: 2, affected_product_ids: [20, 19, 20] }, [19, 20]],
    ['store/product/updated', { type: 'product', id: '21' }, [21]],
    ['store/product/updated', { type: 'product', id: 0 }, []],
    ['store/product/updated', { type: 'product' }, []],
    ['store/sku/updated', { type: 'sku', id: 5 }, []],
    ['store/category/updated', { type: 'category', id: 5 }, []],
    ['store/order/created', { type: 'order', id: 5 }, []],
    ['store/app/uninstalled', { type: 'store' }, []],
  ])('%s %j -> %j', (scope, data, expected) => {
    expect(productIdsOf(ev(scope, data))).toEqual(expected);
  });
});
