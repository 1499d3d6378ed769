import { describe, expect, it } from 'vitest';
import { syncLogEntry, withSyncLog, type SyncLog, type SyncLogEntry } from '../../../src/app-api/activity.ts';

const flushed = { outcome: 'flushed', mode: 'full', productsFetched: 300, fetchRequests: 2, changedProducts: 7, missing: 1, givenUp: 2, writes: { assignRequests: 1, unassignRequests: 3 } };

describe('syncLogEntry', () => {
  it.each([
    ['a sync that did work', flushed, { atMs: 5, mode: 'full', outcome: 'flushed', productsRead: 300, reads: 2, changedProducts: 7, writes: 4, failures: 3 }],
    ['busy (another instance)', { outcome: 'busy' }, undefined],
    ['not due', { outcome: 'not-due' }, undefined],
    ['no credentials', { outcome: 'no-credentials' }, undefined],
  ])('%s', (_name, result, expected) => {
    expect(syncLogEntry(5, result)).toEqual(expected);
  });
});

describe('withSyncLog', () => {
  const memoryLog = () => {
    const entries: SyncLogEntry[] = [];
    const log: SyncLog = { record: (_h, e) => Promise.resolve(void entries.push(e)), recent: () => Promise.resolve(entries) };
    return { entries, log };
  };
  const clock = { now: () => 42, sleep: () => Promise.resolve() };

  it('logs a failed sync with its error code and rethrows', async () => {
    const { entries, log } = memoryLog();
    const run = withSyncLog(() => Promise.reject(Object.assign(new Error('x'), { code: 'BC_RATE_LIMITED' })), log, clock, () => undefined);
    await expect(run('h', 'full')).rejects.toThrow('x');
    expect(entries).toEqual([{ atMs: 42, mode: 'full', outcome: 'failed', productsRead: 0, reads: 0, changedProducts: 0, writes: 0, failures: 0, error: 'BC_RATE_LIMITED' }]);
  });

  it('a failing log write does not fail the sync', async () => {
    const errors: unknown[] = [];
    const broken: SyncLog = { record: () => Promise.reject(new Error('firestore down')), recent: () => Promise.resolve([]) };
    const run = withSyncLog(() => Promise.resolve(flushed), broken, clock, (e) => errors.push(e));
    await expect(run('h')).resolves.toBe(flushed);
    expect(errors).toHaveLength(1);
  });
});
