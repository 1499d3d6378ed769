import { describe, expect, it } from 'vitest';
import { pushStatus, withinBudget, type IngestOutcome } from '../../../src/ingest/ingest-message.ts';

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
