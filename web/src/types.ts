// Shapes of the app API's answers (src/app-api), as the screens use them.
export interface Category {
  id: number;
  parentId: number;
  name: string;
  path: string[];
}
export interface RulesAnswer {
  source: 'store' | 'default' | 'none';
  version: number;
  ruleSet: { rules: { name: string; categoryId: number; description?: string; when: unknown }[] };
  savedAtMs?: number;
  author?: { via: string; userId?: number; email?: string };
}
export interface Version {
  version: number;
  savedAtMs: number;
  author: { via: string; userId?: number; email?: string };
  action: 'save' | 'rollback';
  restoredVersion?: number;
  changes: { added: string[]; removed: string[]; changed: string[] };
}
export interface PreviewProduct {
  id: number;
  name?: string;
  sku?: string;
}
export interface PreviewResult {
  productsRead: number;
  productsTouched: number;
  requests: number;
  writes: number;
  cancelled: boolean;
  durationMs: number;
  rules: { name: string; categoryId: number; matches: number; add: { count: number; sample: PreviewProduct[] }; remove: { count: number; sample: PreviewProduct[] } }[];
  categories: { categoryId: number; add: number; remove: number; membersAfter: number }[];
}
export type Explanation =
  | { kind: 'field'; field: string; op: string; value: unknown; actual: unknown; verdict: boolean }
  | { kind: 'all' | 'any'; verdict: boolean; children: Explanation[] }
  | { kind: 'not'; verdict: boolean; child: Explanation };
export interface ProductExplanation {
  product: { id: number; name?: string; sku?: string };
  fields: { field: string; value: unknown }[];
  rules: { name: string; categoryId: number; verdict: boolean; condition: Explanation }[];
  categories: { categoryId: number; member: boolean; desired: boolean; change: 'add' | 'remove' | 'none' }[];
  history?: ProductHistory;
}
/** src/events/product-history.ts HistoryEntry / HistorySummary as JSON. */
export interface HistoryEntry {
  atMs: number;
  events?: { count: number; scopes: string[]; lastScope?: string; firstAtMs: number; lastAtMs: number };
  read?: { found: boolean; dateModified?: string };
  added: number[];
  removed: number[];
  outcome: 'completed' | 'retry' | 'given-up' | 'write-refused';
  reason?: string;
}
export interface ProductHistory {
  entries: HistoryEntry[];
  lastRead?: { atMs: number; found: boolean; dateModified?: string };
  lastChange?: { atMs: number; added: number[]; removed: number[] };
  givenUp?: { atMs: number; reason: string };
}
/** src/category-sync/full-sync-job-store.ts JobProgress as JSON. */
export interface FullSyncProgress {
  state: 'running' | 'done';
  done: number;
  total?: number;
  cursor: number;
  startedAt: string;
  finishedAt?: string;
  ratePerSecond?: number;
  etaSeconds?: number;
}
export interface Activity {
  fullSync?: FullSyncProgress;
  lastEventAtMs?: number;
  lastSyncAtMs?: number;
  pending: number;
  recentSyncs: { atMs: number; mode: string; outcome: string; productsRead: number; reads: number; changedProducts: number; writes: number; failures: number; error?: string }[];
  givenUp: { productId: number; reason: string; attempts: number; atMs: number }[];
  webhooks: { lastReconcileAtMs?: number; gapSinceMs?: number; lastBackfillAtMs?: number };
  quota: { left?: number; limit?: number; resetAtMs?: number; waits: number; rateLimited: number };
}
