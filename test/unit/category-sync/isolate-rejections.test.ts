import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.ts';
import { isItemRejection, rejectionReason, sendIsolating } from '../../../src/category-sync/isolate-rejections.ts';

const bad = new AppError('BC_BAD_REQUEST', 'rejected', { details: { status: 422, title: 'JSON data is invalid' } });

/** A sender that rejects any batch holding one of `poison`, and records every call. */
function sender(poison: number[]) {
  const calls: number[][] = [];
  const send = (batch: number[]) => {
    calls.push(batch);
    return batch.some((x) => poison.includes(x)) ? Promise.reject(bad) : Promise.resolve(batch.map((x) => x * 10));
  };
  return { send, calls };
}

describe('sendIsolating', () => {
  it.each([
    { name: 'no bad item: one call', items: 16, poison: [], calls: 1, rejected: [] },
    { name: 'one bad item among 16: found with 2·log2(16)+1 calls', items: 16, poison: [7], calls: 9, rejected: [7] },
    { name: 'two bad items', items: 16, poison: [2, 15], calls: 15, rejected: [2, 15] },
    { name: 'every item bad', items: 4, poison: [1, 2, 3, 4], calls: 7, rejected: [1, 2, 3, 4] },
    { name: 'a single bad item alone', items: 1, poison: [1], calls: 1, rejected: [1] },
  ])('$name', async ({ items, poison, calls, rejected }) => {
    const s = sender(poison);
    const ids = Array.from({ length: items }, (_, i) => i + 1);
    const r = await sendIsolating(ids, s.send);
    expect(r.rejected.map((x) => x.item)).toEqual(rejected);
    expect(r.results.sort((a, b) => a - b)).toEqual(ids.filter((x) => !poison.includes(x)).map((x) => x * 10));
    expect(s.calls).toHaveLength(calls);
  });

  it('does not split on errors that are not an item rejection', async () => {
    const calls: number[][] = [];
    const err = new AppError('BC_SERVER_ERROR', 'down', { retryable: true });
    await expect(
      sendIsolating([1, 2, 3], (b) => {
        calls.push(b);
        return Promise.reject(err);
      }),
    ).rejects.toBe(err);
    expect(calls).toHaveLength(1);
  });

  it.each([
    [new AppError('BC_BAD_REQUEST', 'x'), true],
    [new AppError('BC_NOT_FOUND', 'x'), true],
    [new AppError('BC_UNAUTHORIZED', 'x'), false],
    [new AppError('BC_RATE_LIMITED', 'x', { retryable: true }), false],
    [new Error('socket'), false],
  ])('isItemRejection(%s) = %s', (e, expected) => {
    expect(isItemRejection(e)).toBe(expected);
  });

  it('names the code, status and title in the reason', () => {
    expect(rejectionReason('write', bad)).toBe('BigCommerce rejected the write (BC_BAD_REQUEST 422: JSON data is invalid)');
  });
});
