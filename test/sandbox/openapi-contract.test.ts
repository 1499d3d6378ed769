// The client's catalog requests and the sandbox's answers, checked against BigCommerce's published
// OpenAPI documents (the vendored subset in test/fixtures/bigcommerce-openapi) with Ajv: every
// request the client sends (query parameters, JSON body) and every response the sandbox gives
// (documented status, body schema). Where the two disagree, the spec wins.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts';
import { createCatalog } from '../../src/bigcommerce/catalog.ts';
import { createCategoryAssignments } from '../../src/bigcommerce/category-assignments.ts';
import { RateLimiter } from '../../src/bigcommerce/rate-limiter.ts';
import { productFetchOptions } from '../../src/rules/required-fields.ts';
import { parseRuleSet } from '../../src/rules/rule-set-schema.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { INCLUDE_FIELDS_ENUM } from '../../src/sandbox/product-query.ts';
import { createOpenApiContract } from '../helpers/openapi.ts';

const PROJECT = 'demo-sandbox-openapi';
const contract = createOpenApiContract();
let sandbox: Sandbox;

interface Exchange {
  method: string;
  pathAndQuery: string;
  body: unknown;
  status: number;
  response: unknown;
}

beforeAll(async () => {
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT } });
});
afterAll(async () => {
  await sandbox?.close();
});

let n = 0;
/** A store with 30 products in categories 10/11/12 and a client whose every exchange is recorded. */
function recordedStore() {
  const hash = `oa${++n}`;
  const store = sandbox.createStore({ hash, accessToken: `tok-${hash}`, categoryIds: [10, 11, 12, 50] });
  store.seedProducts(30, { seed: 3, startId: 1 });
  store.bulkUpdate([1, 2, 3, 4, 5], () => ({ categories: [10, 11] }));
  const exchanges: Exchange[] = [];
  const base = `${sandbox.url}/stores/${hash}`;
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const text = await res.clone().text();
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    exchanges.push({
      method: init?.method ?? 'GET',
      pathAndQuery: url.slice(base.length),
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
      status: res.status,
      response: text ? (JSON.parse(text) as unknown) : undefined,
    });
    return res;
  };
  const client = createBigCommerceClient({
    apiUrl: sandbox.url,
    storeHash: hash,
    accessToken: `tok-${hash}`,
    fetch: recordingFetch,
    rateLimiter: new RateLimiter({ storeHash: hash, reserve: 0 }),
    requestBudgetMs: 5_000,
  });
  return { store, client, exchanges };
}

const check = (x: Exchange) => ({ request: contract.checkRequest(x.method, x.pathAndQuery, x.body), response: contract.checkResponse(x.method, x.pathAndQuery, x.status, x.response) });

describe('the vendored OpenAPI subset and the checker', () => {
  it("the sandbox's include_fields enum is the published one", () => {
    const spec = JSON.parse(readFileSync(new URL('../fixtures/bigcommerce-openapi/catalog-products.json', import.meta.url), 'utf8')) as {
      components: { parameters: { IncludeFieldsParam: { schema: { items: { enum: string[] } } } } };
    };
    expect([...INCLUDE_FIELDS_ENUM].sort()).toEqual([...spec.components.parameters.IncludeFieldsParam.schema.items.enum].sort());
  });

  it.each([
    ['GET', '/v3/catalog/products?id:in=1,2&include_fields=id,price', undefined, ['query include_fields/0 must be equal to one of the allowed values']],
    ['GET', '/v3/catalog/products?id:in=1,x', undefined, ['query id:in/1 must be integer']],
    ['GET', '/v3/catalog/products?ids=1', undefined, ['query ids: not a parameter of GET /catalog/products']],
    ['GET', '/v3/catalog/products?limit=251', undefined, ['query limit must be <= 250']],
    ['PUT', '/v3/catalog/products/category-assignments', [{ product_id: '1', category_id: 2 }], ['body/0/product_id must be integer']],
    ['PUT', '/v3/catalog/products/category-assignments', undefined, ['body: required']],
  ])('flags %s %s', (method, path, body, problems) => {
    const found = contract.checkRequest(method, path, body);
    expect(found.map((p) => p.replace(/ \(\[.*$/, ''))).toEqual(problems);
  });

  it('flags responses: wrong types, undocumented statuses', () => {
    expect(contract.checkResponse('GET', '/v3/catalog/products', 200, { data: [{ id: 1, price: '1.00' }], meta: {} })).toEqual(['response 200/data/0/price must be number']);
    expect(contract.checkResponse('PUT', '/v3/catalog/products/category-assignments', 200, {})).toEqual([
      'status 200: not documented for PUT /catalog/products/category-assignments (documented: 204, 422)',
    ]);
  });
});

describe("the client's calls and the sandbox's answers conform", () => {
  it('catalog reads: ids with rule fields + custom fields, full-sync pages, date_modified:min keyset, one product, 404, count', async () => {
    const { client, exchanges } = recordedStore();
    const rules = parseRuleSet({
      rules: [
        { name: 'sale', categoryId: 50, when: { all: [{ field: 'sale_price', op: 'gt', value: 0 }, { field: 'custom_fields.Brand', op: 'eq', value: 'Acme' }] } },
      ],
    }, 'test');
    const catalog = createCatalog(client);
    await catalog.productsByIds([1, 2, 3, 999], productFetchOptions(rules));
    await catalog.listProducts({ page: 1, limit: 250, ...productFetchOptions(rules) });
    await catalog.listProducts({ page: 2, limit: 10, includeFields: ['id', 'date_modified'], dateModifiedMin: '2024-01-02T00:00:00+00:00', sort: 'id', direction: 'asc' });
    await catalog.productsAfter(0, { modifiedSinceMs: Date.parse('2020-01-01T00:00:00Z') });
    await client.request('GET', '/v3/catalog/products/4?include=custom_fields');
    await client.request('GET', '/v3/catalog/products/9999').catch(() => undefined);
    await catalog.listProducts({ page: 1, limit: 1, includeFields: ['date_modified'] });
    expect(exchanges.map((x) => x.status)).toEqual([200, 200, 200, 200, 200, 404, 200]);
    expect(exchanges.map(check)).toEqual(exchanges.map(() => ({ request: [], response: [] })));
    // The spec wins: no `id` and no sub-resource in include_fields (custom fields come through include).
    expect(exchanges[0]?.pathAndQuery).toBe('/v3/catalog/products?id:in=1,2,3,999&limit=4&include_fields=categories,sale_price&include=custom_fields');
  });

  it('category writes: assign (204), unassign (204), and their documented 422s', async () => {
    const { client, store, exchanges } = recordedStore();
    const assignments = createCategoryAssignments(client);
    await assignments.assign([
      { product_id: 6, category_id: 10 },
      { product_id: 7, category_id: 12 },
    ]);
    await assignments.unassign(11, [1, 2]);
    await assignments.assign([{ product_id: 6, category_id: 77 }]).catch(() => undefined);
    await client.request('DELETE', '/v3/catalog/products/category-assignments').catch(() => undefined);
    expect(exchanges.map((x) => x.status)).toEqual([204, 204, 422, 422]);
    // "A filter must be supplied" is prose in the spec, not schema: the filterless DELETE passes the
    // request check, and the sandbox answers it with the documented 422.
    expect(exchanges.map(check)).toEqual(exchanges.map(() => ({ request: [], response: [] })));
    expect(store.product(1)?.categories).toEqual([10]);
    expect(store.product(6)?.categories).toContain(10);
  });

  it('reads of category assignments and the category tree', async () => {
    const { client, exchanges } = recordedStore();
    const assignments = await client.request<{ data: unknown[] }>('GET', '/v3/catalog/products/category-assignments?product_id:in=1,2&category_id:in=10&limit=50');
    expect(assignments.body.data).toEqual([
      { product_id: 1, category_id: 10 },
      { product_id: 2, category_id: 10 },
    ]);
    const tree = await client.request<{ data: { category_id: number }[] }>('GET', '/v3/catalog/trees/categories?category_id:in=10,50,404&limit=250');
    expect(tree.body.data.map((c) => c.category_id)).toEqual([10, 50]);
    expect(exchanges.map(check)).toEqual(exchanges.map(() => ({ request: [], response: [] })));
  });
});
