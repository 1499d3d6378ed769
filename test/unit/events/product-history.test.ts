import { describe, expect, it } from 'vitest';
import { foldHistory, historyEntry, HISTORY_LIMIT, HISTORY_REASON_LIMIT, summarizeHistory, type HistoryEntry } from '../../../src/events/product-history.ts';

const e = (atMs: number, over: Partial<HistoryEntry> = {}): HistoryEntry => ({ atMs, events: undefined, read: undefined, added: [], removed: [], outcome: 'completed', ...over });
const times = (l: readonly HistoryEntry[]) => l.map((x) => x.atMs);

describe('foldHistory', () => {
  it.each([
    { name: 'into an empty list', stored: [], added: [e(5)], limit: 3, want: [5] },
    { name: 'newest first whatever the order', stored: [e(1), e(3)], added: [e(2)], limit: 3, want: [3, 2, 1] },
    { name: 'drops the oldest beyond the limit', stored: [e(3), e(2), e(1)], added: [e(4)], limit: 3, want: [4, 3, 2] },
    { name: 'an entry older than all kept ones falls off when full', stored: [e(3), e(2), e(1)], added: [e(0)], limit: 3, want: [3, 2, 1] },
    { name: 'limit 0 keeps nothing', stored: [e(1)], added: [e(2)], limit: 0, want: [] },
    { name: 'a stored list longer than the limit is cut', stored: [e(1), e(2), e(3), e(4)], added: [], limit: 2, want: [4, 3] },
  ])('$name', ({ stored, added, limit, want }) => {
    expect(times(foldHistory(stored, added, limit))).toEqual(want);
  });

  it('replaces an entry of the same sync time (a chunk written again) instead of doubling it', () => {
    const out = foldHistory([e(5, { outcome: 'retry' }), e(4)], [e(5, { outcome: 'given-up', reason: 'x' })], 10);
    expect(out).toEqual([e(5, { outcome: 'given-up', reason: 'x' }), e(4)]);
  });

  it('keeps HISTORY_LIMIT entries by default', () => {
    const stored = Array.from({ length: HISTORY_LIMIT }, (_, k) => e(k));
    expect(times(foldHistory(stored, [e(1_000)]))).toEqual([1_000, ...Array.from({ length: HISTORY_LIMIT - 1 }, (_, k) => HISTORY_LIMIT - 1 - k)]);
  });
});

describe('historyEntry', () => {
  it('folds the pending record into sorted, distinct scopes and sorts the categories', () => {
    const x = historyEntry(
      { productId: 1, pending: { events: 3, scopes: ['store/product/updated', 'store/product/inventory/updated', 'store/product/updated'], lastScope: 'store/product/updated', waitingSinceMs: 10, lastSeenAtMs: 20 }, read: { found: true, dateModified: '2026-01-01T00:00:00+00:00' }, added: [9, 3], removed: [7, 2], outcome: 'completed' },
      100,
    );
    expect(x).toEqual({
      atMs: 100,
      events: { count: 3, scopes: ['store/product/inventory/updated', 'store/product/updated'], lastScope: 'store/product/updated', firstAtMs: 10, lastAtMs: 20 },
      read: { found: true, dateModified: '2026-01-01T00:00:00+00:00' },
      added: [3, 9],
      removed: [2, 7],
      outcome: 'completed',
    });
  });

  it('cuts a long reason and keeps no events part for a product no event queued', () => {
    const x = historyEntry({ productId: 1, pending: undefined, read: undefined, added: [], removed: [], outcome: 'given-up', reason: 'r'.repeat(5_000) }, 1);
    expect(x.events).toBeUndefined();
    expect(x.reason).toHaveLength(HISTORY_REASON_LIMIT);
  });
});

describe('summarizeHistory', () => {
  it.each([
    { name: 'no entries', entries: [], want: { lastRead: undefined, lastChange: undefined, givenUp: undefined } },
    {
      name: 'last read and last change may be different syncs',
      entries: [e(1, { read: { found: true, dateModified: 'a' }, added: [5] }), e(2, { read: { found: true, dateModified: 'b' } }), e(3, { outcome: 'given-up', reason: 'read rejected' })],
      want: { lastRead: { atMs: 2, found: true, dateModified: 'b' }, lastChange: { atMs: 1, added: [5], removed: [] }, givenUp: { atMs: 3, reason: 'read rejected' } },
    },
    {
      name: 'a later completed sync clears the given-up status',
      entries: [e(3, { read: { found: true, dateModified: 'c' }, removed: [4] }), e(2, { outcome: 'given-up', reason: 'x' })],
      want: { lastRead: { atMs: 3, found: true, dateModified: 'c' }, lastChange: { atMs: 3, added: [], removed: [4] }, givenUp: undefined },
    },
  ])('$name', ({ entries, want }) => {
    expect(summarizeHistory(entries)).toMatchObject(want);
  });
});
