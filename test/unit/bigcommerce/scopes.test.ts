import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBHOOK_SCOPES, SCOPE_ACTIONS, scopeAction, scopeMatches } from '../../../src/bigcommerce/scopes.ts';

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

// productIdsOf and parseProductId: test/unit/bigcommerce/webhook-event.test.ts (strict ids, reasons).
