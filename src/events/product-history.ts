/**
 * Per-product history for the merchant app's explain screen: what the category sync did with one
 * product, one entry per sync that processed it, newest first, at most HISTORY_LIMIT entries.
 *
 * Cost design: ingest writes nothing extra (its pending record already carries the scopes, the
 * event count and the times of the product's events, in the one atomic commit of the event). The
 * category sync folds that record, the read and the write into one entry when it finishes a chunk,
 * and writes one history document per product it processed (one batched read + one batched write
 * per chunk, ~1 read + 1 write per product per sync).
 */

/** Entries kept per product: enough to see a product's recent past, small enough for one document. */
export const HISTORY_LIMIT = 20;
/** Scopes listed per entry: the pending record's scope set is small, but keep the document bounded. */
export const HISTORY_SCOPES_LIMIT = 10;
/** Given-up reasons are free text from BigCommerce errors: cut to keep the document small. */
export const HISTORY_REASON_LIMIT = 300;
/** A history document lives this long after its last sync (`expireAt`, TTL policy in terraform/). */
export const HISTORY_TTL_MS = 90 * 24 * 3_600_000;

/**
 * What the sync did with the product: its pending record completed, deferred for another read
 * ('retry') or given up; 'write-refused' is a full-sync page whose category write BigCommerce
 * refused (the next full sync tries again).
 */
export type HistoryOutcome = 'completed' | 'retry' | 'given-up' | 'write-refused';

export interface HistoryEntry {
  /** When the sync processed the product. */
  atMs: number;
  /** The events folded into the pending record since the previous sync; undefined for a product no event queued (full sync). */
  events: { count: number; scopes: string[]; lastScope: string | undefined; firstAtMs: number; lastAtMs: number } | undefined;
  /** The read: undefined when the product was not read (invalid id, read refused). */
  read: { found: boolean; dateModified: string | undefined } | undefined;
  /** Categories written by this sync. */
  added: number[];
  removed: number[];
  outcome: HistoryOutcome;
  /** Why the product was given up (outcome 'given-up') or not read again. */
  reason?: string | undefined;
}

/** What the sync knows about one processed product (built from the pending record, the read and the plan). */
export interface ProcessedProduct {
  productId: number;
  pending:
    | { events: number; scopes: readonly string[]; lastScope: string | undefined; waitingSinceMs: number; lastSeenAtMs: number }
    | undefined;
  read: { found: boolean; dateModified: string | undefined } | undefined;
  added: readonly number[];
  removed: readonly number[];
  outcome: HistoryOutcome;
  reason?: string | undefined;
}

/** The history entry of one processed product (pure). */
export function historyEntry(p: ProcessedProduct, atMs: number): HistoryEntry {
  const entry: HistoryEntry = {
    atMs,
    events: p.pending
      ? {
          count: p.pending.events,
          scopes: [...new Set(p.pending.scopes)].sort().slice(0, HISTORY_SCOPES_LIMIT),
          lastScope: p.pending.lastScope,
          firstAtMs: p.pending.waitingSinceMs,
          lastAtMs: p.pending.lastSeenAtMs,
        }
      : undefined,
    read: p.read,
    added: [...p.added].sort((a, b) => a - b),
    removed: [...p.removed].sort((a, b) => a - b),
    outcome: p.outcome,
  };
  if (p.reason !== undefined) entry.reason = p.reason.slice(0, HISTORY_REASON_LIMIT);
  return entry;
}

/**
 * Folds new entries into a stored list (pure): newest first by `atMs`, an entry of the same sync
 * time replaced rather than doubled (a chunk written twice after a retry), at most `limit` kept.
 */
export function foldHistory(stored: readonly HistoryEntry[], added: readonly HistoryEntry[], limit = HISTORY_LIMIT): HistoryEntry[] {
  const byTime = new Map<number, HistoryEntry>();
  for (const e of stored) if (!byTime.has(e.atMs)) byTime.set(e.atMs, e);
  for (const e of added) byTime.set(e.atMs, e);
  return [...byTime.values()].sort((a, b) => b.atMs - a.atMs).slice(0, Math.max(0, limit));
}

/** What explain shows of a product's history, derived from its entries (pure). */
export interface HistorySummary {
  entries: HistoryEntry[];
  /** Newest entry that read the product. */
  lastRead: { atMs: number; found: boolean; dateModified: string | undefined } | undefined;
  /** Newest entry that wrote a category change. */
  lastChange: { atMs: number; added: number[]; removed: number[] } | undefined;
  /** Set when the newest entry gave the product up. */
  givenUp: { atMs: number; reason: string } | undefined;
}

export function summarizeHistory(entries: readonly HistoryEntry[]): HistorySummary {
  const sorted = [...entries].sort((a, b) => b.atMs - a.atMs);
  const read = sorted.find((e) => e.read !== undefined);
  const change = sorted.find((e) => e.added.length > 0 || e.removed.length > 0);
  const newest = sorted[0];
  return {
    entries: sorted,
    lastRead: read?.read ? { atMs: read.atMs, ...read.read } : undefined,
    lastChange: change ? { atMs: change.atMs, added: change.added, removed: change.removed } : undefined,
    givenUp: newest?.outcome === 'given-up' ? { atMs: newest.atMs, reason: newest.reason ?? 'unknown' } : undefined,
  };
}

/** Per-product history documents. */
export interface ProductHistoryStore {
  /** Folds one entry per product into its document: one batched read and one batched write per call. */
  record(storeHash: string, items: readonly { productId: number; entry: HistoryEntry }[]): Promise<void>;
  /** The product's entries, newest first (empty when none). */
  read(storeHash: string, productId: number): Promise<HistoryEntry[]>;
}
