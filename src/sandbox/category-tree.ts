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

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** One item of `GET /v3/catalog/trees/categories` (the documented fields the app reads, plus a few). */
export function categoryTreeItem(c: SandboxCategory): Record<string, unknown> {
  return {
    category_id: c.id,
    category_uuid: `00000000-0000-4000-8000-${String(c.id).padStart(12, '0')}`,
    parent_id: c.parentId,
    tree_id: 1,
    name: c.name,
    description: '',
    views: 0,
    sort_order: 0,
    page_title: '',
    is_visible: true,
    url: { path: `/${slug(c.name)}/`, is_customized: false },
  };
}
