// A BigCommerce-like storm of product webhooks, made by real changes in the sandbox store: bulk edits
// in rounds (several events per product, duplicates, shuffled order), deletes mid-storm, and a slice of
// products whose latest change stays unreadable (stale) for a while.
import type { SandboxStore } from '../../src/sandbox/index.ts';

export const RULES_JSON = {
  rules: [
    { name: 'on-sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } },
    { name: 'low-stock', categoryId: 51, when: { all: [{ field: 'inventory_tracking', op: 'neq', value: 'none' }, { field: 'inventory_level', op: 'lte', value: 5 }] } },
    { name: 'featured', categoryId: 52, when: { field: 'is_featured', op: 'eq', value: true } },
  ],
};
const MANAGED = [50, 51, 52];

/** What RULES_JSON says (written independently of the rules engine). */
export function expectedManaged(p: { sale_price: number; inventory_tracking: string; inventory_level: number; is_featured: boolean }): number[] {
  const c: number[] = [];
  if (p.sale_price > 0) c.push(50);
  if (p.inventory_tracking !== 'none' && p.inventory_level <= 5) c.push(51);
  if (p.is_featured) c.push(52);
  return c;
}
export const managedOf = (categories: number[]) => categories.filter((c) => MANAGED.includes(c)).sort((a, b) => a - b);

export interface StormOptions {
  store: SandboxStore;
  distinctProducts: number;
  targetEvents: number;
  /** Share of all published events that are duplicates (0.25 -> duplicateRate 1/3 per event). */
  duplicateShare: number;
  deleteFraction: number;
  /** Share of the storm products held back for the stale tail (see emitStaleTail). */
  staleFraction: number;
  seed: number;
}

export interface StormReport {
  productIds: number[];
  deleted: number[];
  stale: number[];
  rounds: number;
  published: number;
  duplicates: number;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function emitStorm(o: StormOptions): Promise<StormReport> {
  const rand = rng(o.seed);
  const all = o.store.products().map((p) => p.id);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const ids = all.slice(0, o.distinctProducts).sort((a, b) => a - b);
  const before = o.store.publishedEvents().length;
  o.store.setEvents({ duplicateRate: o.duplicateShare / (1 - o.duplicateShare), reorder: true, extraUpdatedPerChange: 1 });
  const patch = () => ({
    sale_price: rand() < 0.4 ? Math.round(rand() * 50 * 100) / 100 + 1 : 0,
    inventory_level: Math.floor(rand() * 20),
    is_featured: rand() < 0.3,
  });
  const deleted = ids.filter(() => rand() < o.deleteFraction);
  const stale = ids.filter((id) => !deleted.includes(id) && rand() < o.staleFraction);
  let rounds = 0;
  const published = () => o.store.publishedEvents().length - before;
  // Each round is a bulk edit of every storm product; rounds are more than a second apart so that
  // date_modified (seconds) tells the versions apart.
  while (published() < o.targetEvents * 0.85) {
    o.store.bulkUpdate(ids.filter((id) => o.store.product(id)), () => patch());
    rounds++;
    if (rounds === 1) for (const id of deleted) o.store.deleteProduct(id);
    await o.store.flushEvents();
    await new Promise((r) => setTimeout(r, 1_100));
  }
  // Top up to the target with another partial bulk edit.
  const remaining = o.targetEvents - published();
  if (remaining > 0) {
    const perProduct = 2 / (1 - o.duplicateShare);
    const more = ids.filter((id) => o.store.product(id) && !stale.includes(id)).slice(0, Math.ceil(remaining / perProduct));
    o.store.bulkUpdate(more, () => patch());
    rounds++;
  }
  await o.store.flushEvents();
  const events = o.store.publishedEvents().slice(before);
  return { productIds: ids, deleted, stale, rounds, published: events.length, duplicates: events.filter((e) => e.duplicate).length };
}

/**
 * The last change of a few products, unreadable for `staleMs` (reads show the previous version, as
 * BigCommerce's eventual consistency can). Emitted when the service has received the storm, so the
 * flush meets the stale reads and has to read those products again.
 */
export async function emitStaleTail(store: SandboxStore, ids: number[], staleMs: number, seed: number): Promise<number> {
  const rand = rng(seed);
  const before = store.publishedEvents().length;
  for (const id of ids) store.updateProduct(id, { sale_price: rand() < 0.5 ? 3 : 0, inventory_level: Math.floor(rand() * 20), is_featured: rand() < 0.5 }, { invisibleForMs: staleMs });
  await store.flushEvents();
  return store.publishedEvents().length - before;
}
