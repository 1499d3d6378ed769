import type { SandboxCategory } from './types.ts';

/**
 * The default store's categories: 1..30 are what generated products are put in (generate-products.ts),
 * 50..60 are free for rules, named so a category picker has something to show.
 */
export const DEFAULT_CATEGORY_TREE: readonly SandboxCategory[] = [
  ...Array.from({ length: 30 }, (_, i) => ({ id: i + 1, name: `Category ${i + 1}`, parentId: i < 5 ? 0 : ((i % 5) + 1) })),
  { id: 50, name: 'Sale', parentId: 0 },
  { id: 51, name: 'Low stock', parentId: 0 },
  { id: 52, name: 'Featured', parentId: 0 },
  { id: 53, name: 'New arrivals', parentId: 0 },
  { id: 60, name: 'Clearance', parentId: 50 },
];
