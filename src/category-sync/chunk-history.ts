import type { Product } from '../bigcommerce/product.ts';
import type { Deferral, PendingProduct } from '../events/pending-store.ts';
import { historyEntry, type HistoryEntry, type ProcessedProduct } from '../events/product-history.ts';
import type { CategoryPlan } from '../rules/plan-category-changes.ts';

export interface ChunkHistoryInput {
  chunk: readonly PendingProduct[];
  /** What BigCommerce returned for the chunk. */
  products: readonly Product[];
  /** Products whose read BigCommerce refused for good, with the reason (given up). */
  readRejected: ReadonlyMap<number, string>;
  plan: CategoryPlan;
  /** Products whose category write BigCommerce refused for good, with the reason (given up). */
  unwritable: ReadonlyMap<number, string>;
  retry: readonly Deferral[];
  /** Not found after repeated reads (given up). */
  exhausted: readonly PendingProduct[];
  atMs: number;
}

export const NOT_FOUND_REASON = 'not found after repeated reads';

/** The categories actually written per product: the plan minus the products whose write was refused. */
function writtenChanges(plan: CategoryPlan, unwritable: ReadonlyMap<number, string>): { added: Map<number, number[]>; removed: Map<number, number[]> } {
  const added = new Map<number, number[]>();
  const removed = new Map<number, number[]>();
  const push = (m: Map<number, number[]>, id: number, c: number) => {
    const l = m.get(id);
    if (l) l.push(c);
    else m.set(id, [c]);
  };
  for (const a of plan.assign) if (!unwritable.has(a.productId)) push(added, a.productId, a.categoryId);
  for (const u of plan.unassign) for (const id of u.productIds) if (!unwritable.has(id)) push(removed, id, u.categoryId);
  return { added, removed };
}

/**
 * History entries of one full-sync page (pure): for the products whose categories were written or
 * whose write was refused, and for the pending records the page answered (their events are folded
 * in). A full sync reads the whole catalog; an entry for every product read would cost one history
 * read and write per catalog product per full sync, for products it left as they were.
 */
export function fullSyncPageHistory(x: { products: readonly Product[]; plan: CategoryPlan; unwritable: ReadonlyMap<number, string>; answered?: readonly PendingProduct[]; atMs: number }): { productId: number; entry: HistoryEntry }[] {
  const { added, removed } = writtenChanges(x.plan, x.unwritable);
  const pendingOf = new Map((x.answered ?? []).map((p) => [p.productId, p]));
  const read = new Map(x.products.map((p) => [p.id, p]));
  const ids = new Set([...x.products.map((p) => p.id), ...pendingOf.keys()]);
  const out: { productId: number; entry: HistoryEntry }[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const refused = x.unwritable.get(id);
    const record = pendingOf.get(id);
    if (refused === undefined && record === undefined && !added.has(id) && !removed.has(id)) continue;
    const product = read.get(id);
    const processed: ProcessedProduct = {
      productId: id,
      pending: record && pendingPart(record),
      read: { found: product !== undefined, dateModified: typeof product?.date_modified === 'string' ? product.date_modified : undefined },
      added: added.get(id) ?? [],
      removed: removed.get(id) ?? [],
      outcome: refused === undefined ? 'completed' : 'write-refused',
      reason: refused,
    };
    out.push({ productId: id, entry: historyEntry(processed, x.atMs) });
  }
  return out;
}

/** The events part of a pending record (a loaded record carries its event count). */
function pendingPart(p: PendingProduct): ProcessedProduct['pending'] {
  return { events: 'events' in p && typeof p.events === 'number' ? p.events : 1, scopes: p.scopes ?? [], lastScope: p.lastScope, waitingSinceMs: p.waitingSinceMs, lastSeenAtMs: p.lastSeenAtMs };
}

/** One history entry per product of a chunk: its events, the read, the categories written, the outcome (pure). */
export function chunkHistory(x: ChunkHistoryInput): { productId: number; entry: HistoryEntry }[] {
  const read = new Map(x.products.map((p) => [p.id, p]));
  const retry = new Set(x.retry.map((d) => d.productId));
  const exhausted = new Set(x.exhausted.map((p) => p.productId));
  const { added, removed } = writtenChanges(x.plan, x.unwritable);

  return x.chunk.map((p) => {
    const product = read.get(p.productId);
    const readRefused = x.readRejected.get(p.productId);
    const writeRefused = x.unwritable.get(p.productId);
    let outcome: ProcessedProduct['outcome'] = 'completed';
    let reason: string | undefined;
    if (readRefused !== undefined) [outcome, reason] = ['given-up', readRefused];
    else if (writeRefused !== undefined) [outcome, reason] = ['given-up', writeRefused];
    else if (exhausted.has(p.productId)) [outcome, reason] = ['given-up', NOT_FOUND_REASON];
    else if (retry.has(p.productId)) outcome = 'retry';
    const processed: ProcessedProduct = {
      productId: p.productId,
      pending: pendingPart(p),
      read: readRefused !== undefined ? undefined : { found: product !== undefined, dateModified: typeof product?.date_modified === 'string' ? product.date_modified : undefined },
      added: added.get(p.productId) ?? [],
      removed: removed.get(p.productId) ?? [],
      outcome,
      reason,
    };
    return { productId: p.productId, entry: historyEntry(processed, x.atMs) };
  });
}
