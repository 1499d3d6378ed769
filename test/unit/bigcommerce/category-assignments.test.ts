// The URL math of the category-assignment DELETE, moved here from the rules layer: the resource alone
// knows its URL, so the rules only ask it how to batch.
import { describe, expect, it } from 'vitest';
import { createBigCommerceClient, type BigCommerceClient } from '../../../src/bigcommerce/client.ts';
import { createCategoryAssignments } from '../../../src/bigcommerce/category-assignments.ts';
import { unassignCategoriesPath } from '../../../src/bigcommerce/catalog-paths.ts';

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

/** A transport that records what it would send (no request needs answering here but the recorded ones). */
function recordingClient(apiUrl = 'https://api.bigcommerce.com', storeHash = 'abcdefghij') {
  const sent: { method: string; url: string; body: unknown }[] = [];
  const client: BigCommerceClient = createBigCommerceClient({
    apiUrl,
    storeHash,
    accessToken: 't',
    fetch: (input, init) => {
      sent.push({ method: init?.method ?? 'GET', url: input instanceof Request ? input.url : input.toString(), body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined });
      return Promise.resolve(new Response(null, { status: 204 }));
    },
  });
  return { client, sent };
}

describe('category assignments: DELETE batches', () => {
  const BASE = 'https://api.bigcommerce.com/stores/abcdefghij';

  it.each([
    { name: 'small removal: one DELETE', ids: range(5, 100), max: 2048, expectedBatches: 1 },
    { name: '7-digit ids: split by URL length below 250', ids: range(1000, 1_000_000), max: 2048, expectedBatches: 5 },
    { name: 'short ids: capped at 250 per DELETE', ids: range(600), max: 100_000, expectedBatches: 3 },
    { name: 'tight limit', ids: range(50, 10), max: BASE.length + unassignCategoriesPath(52, []).length + 11, expectedBatches: 13 },
  ])('keep the full URL within the limit: $name', ({ ids, max, expectedBatches }) => {
    const batches = createCategoryAssignments(recordingClient().client, { maxUrlLength: max }).unassignBatches(52, ids);
    expect(batches).toHaveLength(expectedBatches);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(250);
      expect((BASE + unassignCategoriesPath(52, b)).length).toBeLessThanOrEqual(max);
    }
    expect(batches.flat()).toEqual(ids);
  });

  it('count the store’s base URL: exactly at the limit fits, one character more splits', () => {
    const path = unassignCategoriesPath(52, [1234, 5678]);
    const fits = createCategoryAssignments(recordingClient().client, { maxUrlLength: BASE.length + path.length });
    expect(fits.unassignBatches(52, [1234, 5678])).toEqual([[1234, 5678]]);
    const longer = createCategoryAssignments(recordingClient('https://api.bigcommerce.com/x').client, { maxUrlLength: BASE.length + path.length });
    expect(longer.unassignBatches(52, [1234, 5678])).toEqual([[1234], [5678]]);
  });

  it('fail when not even one id fits, and are empty for no ids', () => {
    const a = createCategoryAssignments(recordingClient().client, { maxUrlLength: BASE.length + 20 });
    expect(() => a.unassignBatches(51, [123456789])).toThrow(expect.objectContaining({ code: 'FETCH_ID_TOO_LONG' }) as Error);
    expect(a.unassignBatches(51, [])).toEqual([]);
  });

  it('send exactly the URL the batching measured, and nothing for no ids', async () => {
    const { client, sent } = recordingClient();
    const a = createCategoryAssignments(client);
    await a.unassign(7, [1, 22, 333]);
    await a.unassign(7, []);
    await a.assign([]);
    await a.assign([{ product_id: 1, category_id: 7 }]);
    expect(sent).toEqual([
      { method: 'DELETE', url: `${BASE}/v3/catalog/products/category-assignments?category_id:in=7&product_id:in=1,22,333`, body: undefined },
      { method: 'PUT', url: `${BASE}/v3/catalog/products/category-assignments`, body: [{ product_id: 1, category_id: 7 }] },
    ]);
  });

  it('refuse ids that would corrupt the request, before sending', async () => {
    const { client, sent } = recordingClient();
    await expect(createCategoryAssignments(client).assign([{ product_id: 1, category_id: 0 }])).rejects.toMatchObject({ code: 'BC_INVALID_ID' });
    expect(sent).toEqual([]);
  });
});
