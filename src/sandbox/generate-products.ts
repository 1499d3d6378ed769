import { createRng } from './rng.ts';
import type { Product } from './types.ts';

/** BigCommerce date format: ISO-8601, seconds precision, explicit +00:00 offset. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

const ADJECTIVES = ['Blue', 'Red', 'Green', 'Classic', 'Vintage', 'Modern', 'Compact', 'Deluxe', 'Organic', 'Smart', 'Heavy', 'Light'] as const;
const NOUNS = ['Widget', 'Mug', 'Lamp', 'Chair', 'Backpack', 'Jacket', 'Teapot', 'Notebook', 'Speaker', 'Sneaker', 'Blanket', 'Bottle'] as const;
const BASE_DATE_MS = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** A product with every field at its BigCommerce default, for `createProduct` and seeds to start from. */
export function blankProduct(id: number, nowMs: number): Product {
  const now = isoSeconds(nowMs);
  return {
    id,
    name: `Product ${id}`,
    type: 'physical',
    sku: `SKU-${String(id).padStart(6, '0')}`,
    description: '',
    weight: 0,
    price: 0,
    cost_price: 0,
    retail_price: 0,
    sale_price: 0,
    map_price: 0,
    calculated_price: 0,
    tax_class_id: 0,
    brand_id: 0,
    categories: [],
    inventory_level: 0,
    inventory_warning_level: 0,
    inventory_tracking: 'none',
    is_visible: true,
    is_featured: false,
    is_free_shipping: false,
    is_price_hidden: false,
    availability: 'available',
    availability_description: '',
    condition: 'New',
    upc: '',
    mpn: '',
    gtin: '',
    search_keywords: '',
    warranty: '',
    sort_order: 0,
    total_sold: 0,
    reviews_count: 0,
    view_count: 0,
    base_variant_id: id,
    date_created: now,
    date_modified: now,
    custom_fields: [],
    channels: [1],
  };
}

/** Keeps the derived field honest after any write. */
export function withDerived(p: Product): Product {
  return { ...p, calculated_price: p.sale_price > 0 ? p.sale_price : p.price };
}

/**
 * Deterministic pseudo-random products: the same (n, seed, startId) always gives the same list, so
 * tests and benchmarks can state expectations ("~30 % are on sale") and reproduce failures.
 * Categories are drawn from 1..30; ~70 % have sale_price 0.
 */
export function generateProducts(n: number, opts: { seed?: number; startId?: number } = {}): Product[] {
  const rng = createRng(opts.seed ?? 1);
  const startId = opts.startId ?? 1;
  const out: Product[] = [];
  for (let i = 0; i < n; i++) {
    const id = startId + i;
    const price = round2(rng.int(100, 50_000) / 100);
    const onSale = rng.chance(0.3);
    const tracking = rng.chance(0.6) ? 'product' : 'none';
    const createdMs = BASE_DATE_MS + rng.int(0, 365) * DAY_MS + rng.int(0, DAY_MS / 1000 - 1) * 1000;
    const modifiedMs = createdMs + rng.int(0, 60) * DAY_MS + rng.int(0, 3600) * 1000;
    const catCount = rng.int(0, 3);
    const categories = [...new Set(Array.from({ length: catCount }, () => rng.int(1, 30)))].sort((a, b) => a - b);
    const name = `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} ${id}`;
    out.push(
      withDerived({
        ...blankProduct(id, createdMs),
        name,
        type: rng.chance(0.9) ? 'physical' : 'digital',
        sku: `SKU-${String(id).padStart(6, '0')}`,
        description: `<p>${name}</p>`,
        weight: rng.int(1, 200) / 10,
        price,
        cost_price: round2(price * (0.3 + rng.next() * 0.4)),
        retail_price: rng.chance(0.5) ? round2(price * 1.2) : 0,
        sale_price: onSale ? round2(price * (0.5 + rng.next() * 0.45)) : 0,
        brand_id: rng.chance(0.8) ? rng.int(1, 20) : 0,
        categories,
        inventory_tracking: tracking,
        inventory_level: tracking === 'product' ? rng.int(0, 100) : 0,
        inventory_warning_level: tracking === 'product' ? rng.int(0, 10) : 0,
        is_visible: rng.chance(0.9),
        is_featured: rng.chance(0.1),
        is_free_shipping: rng.chance(0.2),
        availability: rng.chance(0.9) ? 'available' : rng.pick(['disabled', 'preorder'] as const),
        condition: rng.chance(0.9) ? 'New' : rng.pick(['Used', 'Refurbished'] as const),
        total_sold: rng.int(0, 500),
        reviews_count: rng.int(0, 40),
        view_count: rng.int(0, 5000),
        sort_order: 0,
        date_created: isoSeconds(createdMs),
        date_modified: isoSeconds(modifiedMs),
        custom_fields: rng.chance(0.5) ? [{ id: id * 10, name: 'Material', value: rng.pick(['cotton', 'steel', 'wood', 'glass'] as const) }] : [],
      }),
    );
  }
  return out;
}
