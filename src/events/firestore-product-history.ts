import { Timestamp, type Firestore } from '@google-cloud/firestore';
import { COLLECTIONS } from '../firestore/collections.ts';
import { pendingDocId } from '../firestore/document-ids.ts';
import { MAX_WRITES_PER_COMMIT } from './plan-event-writes.ts';
import { foldHistory, HISTORY_LIMIT, HISTORY_TTL_MS, type HistoryEntry, type ProductHistoryStore } from './product-history.ts';

/** Reads an entry written by this module; anything malformed is skipped (the list is informational). */
function toEntry(x: unknown): HistoryEntry | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const e = x as Record<string, unknown>;
  if (typeof e.atMs !== 'number' || typeof e.outcome !== 'string') return undefined;
  const nums = (v: unknown) => (Array.isArray(v) ? v.filter((n): n is number => typeof n === 'number') : []);
  const ev = e.events as Record<string, unknown> | null | undefined;
  const rd = e.read as Record<string, unknown> | null | undefined;
  return {
    atMs: e.atMs,
    events: ev
      ? {
          count: typeof ev.count === 'number' ? ev.count : 0,
          scopes: Array.isArray(ev.scopes) ? ev.scopes.filter((s): s is string => typeof s === 'string') : [],
          lastScope: typeof ev.lastScope === 'string' ? ev.lastScope : undefined,
          firstAtMs: typeof ev.firstAtMs === 'number' ? ev.firstAtMs : 0,
          lastAtMs: typeof ev.lastAtMs === 'number' ? ev.lastAtMs : 0,
        }
      : undefined,
    read: rd ? { found: rd.found === true, dateModified: typeof rd.dateModified === 'string' ? rd.dateModified : undefined } : undefined,
    added: nums(e.added),
    removed: nums(e.removed),
    outcome: e.outcome as HistoryEntry['outcome'],
    ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
  };
}

/** Firestore has no `undefined`: absent parts are stored as null. */
const toDoc = (e: HistoryEntry) => ({
  atMs: e.atMs,
  events: e.events ? { ...e.events, lastScope: e.events.lastScope ?? null } : null,
  read: e.read ? { found: e.read.found, dateModified: e.read.dateModified ?? null } : null,
  added: e.added,
  removed: e.removed,
  outcome: e.outcome,
  reason: e.reason ?? null,
});

/**
 * `productHistory/{store}-{product}`: `entries` (at most HISTORY_LIMIT, newest first) and `expireAt`.
 * Only the holder of the store's lease writes (the category sync), so read-fold-write needs no
 * transaction; a sync that lost its lease midway can at worst drop one entry of the other's.
 */
export function createFirestoreProductHistory(db: Firestore, opts: { limit?: number } = {}): ProductHistoryStore {
  const col = db.collection(COLLECTIONS.productHistory);
  const limit = opts.limit ?? HISTORY_LIMIT;
  const ref = (storeHash: string, productId: number) => col.doc(pendingDocId(storeHash, productId));
  return {
    async record(storeHash, items) {
      for (let start = 0; start < items.length; start += MAX_WRITES_PER_COMMIT) {
        const part = items.slice(start, start + MAX_WRITES_PER_COMMIT);
        const refs = part.map((i) => ref(storeHash, i.productId));
        const snaps = await db.getAll(...refs, { fieldMask: ['entries'] });
        const batch = db.batch();
        part.forEach((item, k) => {
          const raw = snaps[k]!.get('entries') as unknown;
          const stored = (Array.isArray(raw) ? raw : []).map(toEntry).filter((e): e is HistoryEntry => e !== undefined);
          const entries = foldHistory(stored, [item.entry], limit);
          batch.set(refs[k]!, { storeHash, productId: item.productId, entries: entries.map(toDoc), updatedAt: Timestamp.fromMillis(item.entry.atMs), expireAt: Timestamp.fromMillis(item.entry.atMs + HISTORY_TTL_MS) });
        });
        await batch.commit();
      }
    },

    async read(storeHash, productId) {
      const snap = await ref(storeHash, productId).get();
      const raw = snap.get('entries') as unknown;
      return (Array.isArray(raw) ? raw : []).map(toEntry).filter((e): e is HistoryEntry => e !== undefined);
    },
  };
}
