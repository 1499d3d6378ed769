import { describe, expect, it } from 'vitest';
import { applyCategoryPlan, type CategoryWriter } from '../../../src/rules/apply-category-plan.ts';
import { planCategoryChanges, type CategoryPlan, type ProductState } from '../../../src/rules/plan-category-changes.ts';
import { parseRuleSet } from '../../../src/rules/rule-set-schema.ts';
import { AppError } from '../../../src/errors.ts';
import { isBatchTooLarge } from '../../../src/bigcommerce/batch-too-large.ts';

type Call = { kind: 'assign'; pairs: { product_id: number; category_id: number }[] } | { kind: 'unassign'; categoryId: number; productIds: number[] };

/** Splits removals into batches of at most `size` (the resource's URL math is tested in bigcommerce/category-assignments). */
const batchesOf =
  (size: number) =>
  (_categoryId: number, ids: readonly number[]): number[][] => {
    const out: number[][] = [];
    for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
    return out;
  };

/** Records calls; optionally fails the n-th one. (Our own interface, standing in for the BigCommerce resource.) */
function recordingWriter(failOnCall?: number, error: unknown = new AppError('BC_SERVER_ERROR', 'boom', { retryable: true }), deleteBatch = 250) {
  const calls: Call[] = [];
  const maybeFail = () => {
    if (calls.length === failOnCall) throw error;
  };
  const writer: CategoryWriter = {
    assign: (pairs) => {
      calls.push({ kind: 'assign', pairs: structuredClone(pairs) });
      maybeFail();
      return Promise.resolve();
    },
    unassign: (categoryId, productIds) => {
      calls.push({ kind: 'unassign', categoryId, productIds: [...productIds] });
      maybeFail();
      return Promise.resolve();
    },
    unassignBatches: batchesOf(deleteBatch),
  };
  return { writer, calls };
}

const plan = (assign: [number, number][], unassign: [number, number[]][]): CategoryPlan => ({
  assign: assign.map(([productId, categoryId]) => ({ productId, categoryId })),
  unassign: unassign.map(([categoryId, productIds]) => ({ categoryId, productIds })),
  changedProductIds: [],
  skippedProductIds: [],
});
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

const tooLarge = (status: number, title: string, errors?: Record<string, string>) => new AppError('BC_BAD_REQUEST', 'BigCommerce rejected the request', { details: { status, title, ...(errors ? { errors } : {}) } });

describe('isBatchTooLarge', () => {
  it.each([
    [tooLarge(413, 'The request payload is too large. The maximum items allowed in the array is 10.'), true],
    [tooLarge(413, 'Request Entity Too Large'), true],
    [tooLarge(422, 'The request payload is too large. The maximum items allowed in the array is 100.'), true],
    [tooLarge(422, 'JSON data is invalid', { '(body)': 'array exceeds the limit of 100 items' }), true],
    [tooLarge(422, 'JSON data is invalid', { '0': 'Category with id 77 does not exist' }), false],
    [tooLarge(400, 'payload too large'), false],
    [new AppError('BC_SERVER_ERROR', 'boom', { retryable: true, details: { status: 413 } }), false],
    [new Error('payload too large'), false],
  ])('%o -> %s', (err, expected) => {
    expect(isBatchTooLarge(err)).toBe(expected);
  });
});

describe('applyCategoryPlan', () => {
  it.each([
    ['413', 413],
    ['a size-related 422', 422],
  ])('halves a PUT refused for its size (%s) until it fits, and reports the size that worked', async (_l, status) => {
    const limit = 7;
    const calls: number[] = [];
    const writer: CategoryWriter = {
      assign: (pairs) => {
        calls.push(pairs.length);
        return pairs.length > limit ? Promise.reject(tooLarge(status, `The request payload is too large. The maximum items allowed in the array is ${limit}.`)) : Promise.resolve();
      },
      unassign: () => Promise.resolve(),
      unassignBatches: batchesOf(250),
    };
    const result = await applyCategoryPlan(plan(range(40).map((id) => [id, 50]), []), writer, { assignBatchSize: 40 });
    // 40 -> 20 -> 10 -> 5 fits; then 5-pair batches for the rest.
    expect(calls).toEqual([40, 20, 10, 5, 5, 5, 5, 5, 5, 5, 5]);
    expect(result).toMatchObject({ assignRequests: 8, assigned: 40, assignBatchesHalved: 3, assignBatchSizeUsed: 5 });
  });

  it('a single pair refused for size, or a content 422, propagates (no loop)', async () => {
    const always = (err: Error): CategoryWriter => ({ assign: () => Promise.reject(err), unassign: () => Promise.resolve(), unassignBatches: batchesOf(250) });
    let n = 0;
    const counting: CategoryWriter = {
      assign: () => {
        n++;
        return Promise.reject(tooLarge(413, 'too large'));
      },
      unassign: () => Promise.resolve(),
      unassignBatches: batchesOf(250),
    };
    await expect(applyCategoryPlan(plan(range(8).map((id) => [id, 50]), []), counting, { assignBatchSize: 8 })).rejects.toMatchObject({ code: 'BC_BAD_REQUEST' });
    expect(n).toBe(4); // 8, 4, 2, 1
    const content = tooLarge(422, 'JSON data is invalid', { '0': 'Category with id 77 does not exist' });
    await expect(applyCategoryPlan(plan([[1, 77], [2, 77]], []), always(content), {})).rejects.toBe(content);
  });

  it('does nothing for an empty plan', async () => {
    const { writer, calls } = recordingWriter();
    await expect(applyCategoryPlan(plan([], []), writer)).resolves.toEqual({ assignRequests: 0, unassignRequests: 0, assigned: 0, unassigned: 0 });
    expect(calls).toEqual([]);
  });

  it.each([
    { pairs: 1, batch: undefined, sizes: [1] },
    { pairs: 50, batch: undefined, sizes: [50] },
    { pairs: 101, batch: undefined, sizes: [50, 50, 1] },
    { pairs: 1201, batch: 500, sizes: [500, 500, 201] },
    { pairs: 10, batch: 3, sizes: [3, 3, 3, 1] },
    { pairs: 10, batch: 1, sizes: Array<number>(10).fill(1) },
  ])('PUTs $pairs pairs in batches of $batch: $sizes', async ({ pairs, batch, sizes }) => {
    const { writer, calls } = recordingWriter();
    const p = plan(
      range(pairs).map((id) => [id, 50 + (id % 3)]),
      [],
    );
    const result = await applyCategoryPlan(p, writer, { assignBatchSize: batch });
    expect(calls.map((c) => (c.kind === 'assign' ? c.pairs.length : -1))).toEqual(sizes);
    expect(calls.flatMap((c) => (c.kind === 'assign' ? c.pairs : []))).toEqual(p.assign.map((a) => ({ product_id: a.productId, category_id: a.categoryId })));
    expect(result).toEqual({ assignRequests: sizes.length, unassignRequests: 0, assigned: pairs, unassigned: 0 });
  });

  it.each([
    { name: 'fits one DELETE', ids: range(5, 100), batch: 250, expectedCalls: 1 },
    { name: 'split as the writer says', ids: range(600), batch: 250, expectedCalls: 3 },
    { name: 'one id per DELETE', ids: range(7), batch: 1, expectedCalls: 7 },
  ])('removals go in the writer’s batches, every id once: $name', async ({ ids, batch, expectedCalls }) => {
    const { writer, calls } = recordingWriter(undefined, undefined, batch);
    const result = await applyCategoryPlan(plan([], [[52, ids]]), writer);
    expect(calls).toHaveLength(expectedCalls);
    expect(calls.every((c) => c.kind === 'unassign' && c.categoryId === 52)).toBe(true);
    expect(calls.flatMap((c) => (c.kind === 'unassign' ? c.productIds : []))).toEqual(ids);
    expect(result).toEqual({ assignRequests: 0, unassignRequests: expectedCalls, assigned: 0, unassigned: ids.length });
  });

  it('assigns first, then removes, one request at a time in plan order', async () => {
    const { writer, calls } = recordingWriter();
    await applyCategoryPlan(
      plan(
        [
          [1, 50],
          [2, 51],
        ],
        [
          [50, [3]],
          [51, [1, 4]],
        ],
      ),
      writer,
    );
    expect(calls).toEqual([
      {
        kind: 'assign',
        pairs: [
          { product_id: 1, category_id: 50 },
          { product_id: 2, category_id: 51 },
        ],
      },
      { kind: 'unassign', categoryId: 50, productIds: [3] },
      { kind: 'unassign', categoryId: 51, productIds: [1, 4] },
    ]);
  });

  it('skips categories with no product ids', async () => {
    const { writer, calls } = recordingWriter();
    await applyCategoryPlan(plan([], [[50, []]]), writer);
    expect(calls).toEqual([]);
  });

  it('never runs two requests at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((r) => setImmediate(r));
      inFlight--;
    };
    await applyCategoryPlan(plan(range(20).map((id) => [id, 50]), [[51, range(600)]]), { assign: slow, unassign: slow, unassignBatches: batchesOf(250) }, { assignBatchSize: 5 });
    expect(maxInFlight).toBe(1);
  });

  it.each([
    { name: 'an assign fails: the error propagates unchanged and nothing more is sent', failOn: 1, expectedCalls: 1 },
    { name: 'a later delete fails: earlier writes stand, later ones are not sent', failOn: 3, expectedCalls: 3 },
  ])('$name', async ({ failOn, expectedCalls }) => {
    const error = new AppError('BC_RATE_LIMITED', 'quota', { retryable: true });
    const { writer, calls } = recordingWriter(failOn, error);
    const p = plan(
      [
        [1, 50],
        [2, 50],
      ],
      [
        [51, [3]],
        [52, [4]],
        [53, [5]],
      ],
    );
    await expect(applyCategoryPlan(p, writer, { assignBatchSize: 2 })).rejects.toBe(error);
    expect(calls).toHaveLength(expectedCalls);
  });

  it('fails before any write when the writer cannot batch a removal (an id that does not fit the URL)', async () => {
    const { writer, calls } = recordingWriter();
    const tooLong = new AppError('FETCH_ID_TOO_LONG', 'no room');
    writer.unassignBatches = (categoryId, ids) => {
      if (categoryId === 53) throw tooLong;
      return [[...ids]];
    };
    await expect(applyCategoryPlan(plan([[1, 50]], [[51, [1]], [53, [123456789]]]), writer)).rejects.toBe(tooLong);
    expect(calls).toEqual([]);
  });

  it.each([{ assignBatchSize: 0 }, { assignBatchSize: 1.5 }, { assignBatchSize: -1 }, { assignBatchSize: Number.NaN }])('rejects options %j', async (opts) => {
    const { writer, calls } = recordingWriter();
    await expect(applyCategoryPlan(plan([[1, 50]], []), writer, opts)).rejects.toMatchObject({ code: 'RULES_APPLY_OPTIONS_INVALID' });
    expect(calls).toEqual([]);
  });

  it('plan -> apply against an in-memory store -> plan again is empty', async () => {
    const rules = parseRuleSet({ rules: [{ name: 'on-sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } }] }, 'test');
    const store = new Map<number, ProductState>(range(700).map((id) => [id, { id, categories: id % 2 ? [50, 7] : [7], sale_price: id % 3 ? 0 : 9 }]));
    const storeWriter: CategoryWriter = {
      assign: (pairs) => {
        for (const { product_id, category_id } of pairs) store.get(product_id)!.categories.push(category_id);
        return Promise.resolve();
      },
      unassign: (categoryId, productIds) => {
        for (const id of productIds) {
          const prod = store.get(id)!;
          prod.categories = prod.categories.filter((c) => c !== categoryId);
        }
        return Promise.resolve();
      },
      unassignBatches: batchesOf(250),
    };
    const first = planCategoryChanges([...store.values()], rules, 0);
    expect(first.changedProductIds.length).toBeGreaterThan(300);
    const result = await applyCategoryPlan(first, storeWriter);
    expect(result.assigned + result.unassigned).toBe(first.changedProductIds.length);
    const second = planCategoryChanges([...store.values()], rules, 0);
    expect(second.assign).toEqual([]);
    expect(second.unassign).toEqual([]);
    for (const prod of store.values()) expect(prod.categories).toContain(7);
  });
});
