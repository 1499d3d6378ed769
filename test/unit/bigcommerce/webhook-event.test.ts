import { describe, expect, it } from 'vitest';
import { parseBigCommerceEvent, type BigCommerceEvent } from '../../../src/bigcommerce/webhook-event.ts';
import { parseProductId, productIdsOf } from '../../../src/bigcommerce/scopes.ts';
import { isStoreHash } from '../../../src/bigcommerce/store-hash.ts';

const bytes = (o: unknown) => Buffer.from(JSON.stringify(o));
const base = { scope: 'store/product/updated', store_id: '1001', producer: 'stores/abc123', hash: 'a'.repeat(40), created_at: 1_700_000_000, data: { type: 'product', id: 5 } };

describe('parseBigCommerceEvent', () => {
  it('accepts the documented envelope and routes by producer', () => {
    const r = parseBigCommerceEvent(bytes(base));
    expect(r).toMatchObject({ ok: true, storeHash: 'abc123', hash: 'a'.repeat(40), event: { scope: 'store/product/updated', store_id: '1001' } });
  });

  it.each([
    { name: 'numeric store_id (old docs)', patch: { store_id: 1001 }, check: (e: BigCommerceEvent) => expect(e.store_id).toBe('1001') },
    { name: 'no created_at', patch: { created_at: undefined }, check: (e: BigCommerceEvent) => expect(e.created_at).toBeUndefined() },
    { name: 'created_at as string', patch: { created_at: '1700000001' }, check: (e: BigCommerceEvent) => expect(e.created_at).toBe(1_700_000_001) },
    { name: 'no store_id', patch: { store_id: undefined }, check: (e: BigCommerceEvent) => expect(e.store_id).toBeUndefined() },
    { name: 'unknown extra keys', patch: { extra: true }, check: (e: BigCommerceEvent) => expect(e.scope).toBe('store/product/updated') },
  ])('is lenient: $name', ({ patch, check }) => {
    const r = parseBigCommerceEvent(bytes({ ...base, ...patch }));
    expect(r.ok).toBe(true);
    if (r.ok) check(r.event);
  });

  it('derives a stable hash from the content when BigCommerce sent none', () => {
    const body = bytes({ ...base, hash: undefined });
    const a = parseBigCommerceEvent(body);
    const b = parseBigCommerceEvent(Buffer.from(body));
    expect(a.ok && b.ok && a.hash === b.hash && /^[0-9a-f]{40}$/.test(a.hash)).toBe(true);
  });

  it.each([
    { name: 'empty data', raw: Buffer.alloc(0), reason: /empty/ },
    { name: 'not JSON', raw: Buffer.from('{nope'), reason: /not JSON/ },
    { name: 'JSON array', raw: bytes([1, 2]), reason: /not a BigCommerce webhook/ },
    { name: 'no producer', raw: bytes({ ...base, producer: undefined }), reason: /producer/ },
    { name: 'producer without a hash', raw: bytes({ ...base, producer: 'stores/' }), reason: /producer/ },
    { name: 'no scope', raw: bytes({ ...base, scope: undefined }), reason: /scope/ },
    { name: 'scope of another system', raw: bytes({ ...base, scope: 'order.created' }), reason: /scope/ },
    { name: 'data is a string', raw: bytes({ ...base, data: 'x' }), reason: /data/ },
    { name: 'a 10 KB producer', raw: bytes({ ...base, producer: `stores/${'a'.repeat(10_240)}` }), reason: /producer must be stores\/\{store_hash\}/ },
    { name: 'a producer with a path in it', raw: bytes({ ...base, producer: 'stores/abc/def' }), reason: /producer/ },
    { name: 'a store hash Firestore reserves', raw: bytes({ ...base, producer: 'stores/__x__' }), reason: /Firestore reserves/ },
  ])('rejects $name', ({ raw, reason }) => {
    const r = parseBigCommerceEvent(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('producer store hash', () => {
  // Same rule as the app callbacks (one schema), so every event that passes names a store that can be installed.
  it.each(['abc123', 'A', 'a_b-C9', 'x'.repeat(64), 'x'.repeat(65), '', 'a.b', 'a/b', 'ä', '_x_', '__x'])('%j agrees with the store-hash schema', (hash) => {
    expect(parseBigCommerceEvent(bytes({ ...base, producer: `stores/${hash}` })).ok).toBe(isStoreHash(hash));
  });
  it.each(['__x__', '____', '__abc123__'])('%j is refused: an id Firestore reserves', (hash) => {
    expect(isStoreHash(hash)).toBe(false);
    expect(parseBigCommerceEvent(bytes({ ...base, producer: `stores/${hash}` })).ok).toBe(false);
  });
});

describe('parseProductId', () => {
  it.each<[unknown, number | undefined]>([
    [1, 1],
    ['42', 42],
    ['0012', 12],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
    ['9007199254740992', undefined],
    ['1152921504606846977', undefined],
    [2 ** 60 + 1, undefined],
    [0, undefined],
    ['0', undefined],
    [-3, undefined],
    ['-3', undefined],
    [1.5, undefined],
    ['1.5', undefined],
    ['12abc', undefined],
    ['', undefined],
    [' 12', undefined],
    [1e21, undefined],
    [NaN, undefined],
    [Infinity, undefined],
    [null, undefined],
    [true, undefined],
    [[12], undefined],
    [{ id: 12 }, undefined],
  ])('%j -> %j', (v, expected) => expect(parseProductId(v)).toBe(expected));
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
    ['store/modifier/updated', { type: 'shared_modifier', id: 2 }, []],
    ['store/modifier/updated', { type: 'shared_modifier', id: 2, affected_product_ids: [] }, []],
    ['store/category/updated', { type: 'category', id: 5 }, []],
    ['store/order/created', { type: 'order', id: 5 }, []],
    ['store/app/uninstalled', { type: 'store' }, []],
  ])('%s %j -> %j', (scope, data, expected) => {
    expect(productIdsOf(ev(scope, data))).toEqual({ ok: true, ids: expected });
  });

  // Never a silent drop: an id that is not one refuses the whole event, naming the field.
  it.each([
    ['store/product/updated', { type: 'product', id: '1152921504606846977' }, /data\.id: "1152921504606846977"/],
    ['store/product/updated', { type: 'product', id: 0 }, /data\.id: 0/],
    ['store/product/updated', { type: 'product', id: -4 }, /data\.id: -4/],
    ['store/product/updated', { type: 'product', id: '12abc' }, /data\.id: "12abc"/],
    ['store/product/updated', { type: 'product', id: 1.5 }, /data\.id: 1\.5/],
    ['store/product/updated', { type: 'product' }, /data\.id: missing/],
    ['store/product/updated', { type: 'category', id: 3 }, /data\.type "category", expected "product"/],
    ['store/product/inventory/updated', { type: 'product', id: 14, inventory: { product_id: 'x' } }, /data\.inventory\.product_id: "x"/],
    ['store/sku/updated', { type: 'sku', id: 5 }, /data\.sku\.product_id: missing/],
    ['store/sku/updated', { type: 'sku', id: 5, sku: { product_id: 7 }, inventory: { product_id: -1 } }, /data\.inventory\.product_id: -1/],
    ['store/product/metafield/updated', { metafield_id: 1, resource_id: 'abc' }, /data\.resource_id: "abc"/],
    ['store/modifier/updated', { type: 'shared_modifier', id: 2, affected_product_ids: 'all' }, /data\.affected_product_ids: "all"/],
    ['store/modifier/updated', { type: 'shared_modifier', id: 2, affected_product_ids: [1, '2', 0, 4, '1152921504606846977', 1.5, -1] }, /\[2\]: 0; .*\[4\]: "1152921504606846977"; .*\[5\]: 1\.5 and 1 more$/],
  ])('%s %j is refused', (scope, data, reason) => {
    const r = productIdsOf(ev(scope, data));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
