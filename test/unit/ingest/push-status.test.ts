import { describe, expect, it } from 'vitest';
import { createIngest, pushStatus, withinBudget, type IngestOutcome } from '../../../src/ingest/ingest-message.ts';
import { AppError } from '../../../src/errors.ts';
import type { EventStore, Rejection } from '../../../src/events/event-store.ts';
import { classifyStoreError } from '../../../src/events/firestore-event-store.ts';

describe('pushStatus', () => {
  it.each<[IngestOutcome, number]>([
    [{ kind: 'stored', storeHash: 's', scope: 'x', productIds: [], handled: true, messageId: '1' }, 204],
    [{ kind: 'stored', storeHash: 's', scope: 'x', productIds: [], handled: false, messageId: '1' }, 204],
    [{ kind: 'duplicate', storeHash: 's', scope: 'x', messageId: '1' }, 204],
    [{ kind: 'rejected', reason: 'bad', messageId: '1' }, 204],
    [{ kind: 'unavailable', error: new Error('down'), messageId: '1' }, 503],
  ])('%j -> %i', (outcome, status) => expect(pushStatus(outcome)).toBe(status));
});

describe('withinBudget', () => {
  it('passes a result through', async () => expect(await withinBudget(Promise.resolve(3), 100, 'x')).toBe(3));
  it('passes a rejection through', async () => expect(withinBudget(Promise.reject(new Error('boom')), 100, 'x')).rejects.toThrow('boom'));
  it('gives up with a retryable error after the budget', async () => {
    const started = Date.now();
    await expect(withinBudget(new Promise(() => undefined), 50, 'slow thing')).rejects.toMatchObject({ code: 'EVENT_STORE_TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('createIngest: what a failed write means for the push', () => {
  const body = (data: unknown) => Buffer.from(JSON.stringify({ message: { data: Buffer.from(JSON.stringify(data)).toString('base64'), messageId: 'mid-1' } }));
  const event = { scope: 'store/product/updated', producer: 'stores/abc', hash: 'h', created_at: 1, data: { type: 'product', id: 5 } };
  const ingestWith = (recordError: Error) => {
    const rejections: Rejection[] = [];
    const store: EventStore = {
      record: () => Promise.reject(recordError),
      recordRejection: (r) => (rejections.push(r), Promise.resolve()),
      pendingCounts: () => Promise.resolve({}),
      droppedStores: () => Promise.resolve({}),
    };
    return { rejections, ingest: createIngest({ store, clock: { now: () => 1_000, sleep: () => Promise.resolve() }, dedupeTtlMs: 1, storeBudgetMs: 1_000 }) };
  };

  it.each([
    { name: 'INVALID_ARGUMENT (key path too long, reserved id)', error: classifyStoreError(Object.assign(new Error('3 INVALID_ARGUMENT: reserved'), { code: 3 })) as Error, kind: 'rejected', status: 204 },
    { name: 'OUT_OF_RANGE', error: classifyStoreError(Object.assign(new Error('11 OUT_OF_RANGE'), { code: 11 })) as Error, kind: 'rejected', status: 204 },
    { name: 'UNAVAILABLE', error: classifyStoreError(Object.assign(new Error('14 UNAVAILABLE'), { code: 14 })) as Error, kind: 'unavailable', status: 503 },
    { name: 'DEADLINE_EXCEEDED', error: classifyStoreError(Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 })) as Error, kind: 'unavailable', status: 503 },
    { name: 'PERMISSION_DENIED (configuration: fixable, keep the message)', error: classifyStoreError(Object.assign(new Error('7'), { code: 7 })) as Error, kind: 'unavailable', status: 503 },
    { name: 'our own timeout', error: new AppError('EVENT_STORE_TIMEOUT', 'slow', { retryable: true }), kind: 'unavailable', status: 503 },
    { name: 'an error without a code', error: new Error('socket hang up'), kind: 'unavailable', status: 503 },
  ])('$name -> $kind ($status)', async ({ error, kind, status }) => {
    const { ingest, rejections } = ingestWith(error);
    const outcome = await ingest(body(event), {});
    expect(outcome.kind).toBe(kind);
    expect(pushStatus(outcome)).toBe(status);
    expect(rejections).toHaveLength(kind === 'rejected' ? 1 : 0);
    if (kind === 'rejected') expect(rejections[0]!.reason).toMatch(/^event store refused the event: /);
  });

  it('an event with an unusable product id is rejected before any write', async () => {
    const { ingest, rejections } = ingestWith(new Error('record must not be called'));
    const outcome = await ingest(body({ ...event, data: { type: 'product', id: '1152921504606846977' } }), {});
    expect(outcome).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/data\.id: "1152921504606846977"/) });
    expect(rejections).toHaveLength(1);
  });
});
