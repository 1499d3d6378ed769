import { describe, expect, it } from 'vitest';
import { parseBigCommerceEvent, type BigCommerceEvent } from '../../../src/bigcommerce/webhook-event.ts';

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
  ])('rejects $name', ({ raw, reason }) => {
    const r = parseBigCommerceEvent(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
