// The BigCommerce transport (and the resource calls that exercise it) against real local HTTP servers that mimic BigCommerce behaviour per case.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBigCommerceClient, type BigCommerceClient, type BigCommerceClientOptions } from '../../../src/bigcommerce/client.ts';
import { createCatalog } from '../../../src/bigcommerce/catalog.ts';
import { createCategoryAssignments } from '../../../src/bigcommerce/category-assignments.ts';
import { RateLimiter } from '../../../src/bigcommerce/rate-limiter.ts';
import { AppError, isAppError } from '../../../src/errors.ts';
import { quotaWindow, startFakeBigCommerce, type FakeBigCommerce, type Handler } from './fake-bigcommerce.ts';

const STORE = 'abc123';
const TOKEN = 'tok-SECRET-123456';

const servers: FakeBigCommerce[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fake(handler: Handler): Promise<FakeBigCommerce> {
  const s = await startFakeBigCommerce(handler);
  servers.push(s);
  return s;
}

function captureLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

function client(url: string, opts: Partial<BigCommerceClientOptions> = {}) {
  return createBigCommerceClient({ apiUrl: url, storeHash: STORE, accessToken: TOKEN, requestBudgetMs: 5_000, retryBaseMs: 20, ...opts });
}

/** The transport's retries and errors are exercised through ordinary resource calls. */
const catalogOf = (c: BigCommerceClient) => createCatalog(c);
const assignmentsOf = (c: BigCommerceClient) => createCategoryAssignments(c);

async function caught(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof AppError)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
}

const productList = (data: unknown[], total = data.length) => ({
  data,
  meta: { pagination: { total, count: data.length, per_page: 250, current_page: 1, total_pages: Math.max(1, Math.ceil(total / 250)), links: { current: '?page=1&limit=250' } } },
});

const ok = (body: unknown = productList([])) => ({ status: 200, body });

describe('requests as sent', () => {
  it('sends id:in and include_fields literally, with the token; requestUrl is the exact URL', async () => {
    const s = await fake(() => ok(productList([{ id: 1, price: 5 }, { id: 3, price: 7 }])));
    const c = client(s.url);
    const products = await catalogOf(c).productsByIds([1, 2, 3], { includeFields: ['id', 'price'], include: ['custom_fields'] });
    expect(products).toEqual([
      { id: 1, price: 5 },
      { id: 3, price: 7 },
    ]);
    const path = '/v3/catalog/products?id:in=1,2,3&limit=3&include_fields=price&include=custom_fields';
    expect(s.requests).toHaveLength(1);
    const r = s.requests[0]!;
    expect(r.method).toBe('GET');
    expect(r.url).toBe(`/stores/${STORE}${path}`);
    expect(c.requestUrl(path)).toBe(`${s.url}${r.url}`);
    expect(r.headers['x-auth-token']).toBe(TOKEN);
    expect(r.headers.accept).toBe('application/json');
    expect(r.headers['user-agent']).toBe('bc-webhook-consumer');
    expect(r.headers['content-type']).toBeUndefined();
  });

  it('ignores a trailing slash on apiUrl', async () => {
    const s = await fake(() => ok());
    await catalogOf(client(`${s.url}/`)).productsByIds([9]);
    expect(s.requests[0]!.url).toBe(`/stores/${STORE}/v3/catalog/products?id:in=9&limit=1`);
  });

  it('makes no request for empty id lists, pair lists or unassign lists', async () => {
    const s = await fake(() => ok());
    const c = client(s.url);
    expect(await catalogOf(c).productsByIds([])).toEqual([]);
    await assignmentsOf(c).assign([]);
    // Without product ids the DELETE would empty the whole category: it must never go out.
    await assignmentsOf(c).unassign(5, []);
    expect(s.requests).toHaveLength(0);
  });

  it('lists products with filters and returns the pagination', async () => {
    const s = await fake(() => ok(productList([{ id: 4, date_modified: '2024-01-03T00:00:00+00:00' }], 501)));
    const res = await catalogOf(client(s.url)).listProducts({ page: 3, limit: 10, includeFields: ['id', 'date_modified'], dateModifiedMin: '2024-01-02T00:00:00+00:00', sort: 'id', direction: 'desc' });
    expect(res.products).toEqual([{ id: 4, date_modified: '2024-01-03T00:00:00+00:00' }]);
    expect(res.pagination.total).toBe(501);
    const url = s.requests[0]!.url;
    expect(url).toBe(`/stores/${STORE}/v3/catalog/products?page=3&limit=10&include_fields=date_modified&date_modified:min=2024-01-02T00%3A00%3A00%2B00%3A00&sort=id&direction=desc`);
    // What a server's query parser reads back: the '+' of the offset survives.
    expect(new URL(url, s.url).searchParams.get('date_modified:min')).toBe('2024-01-02T00:00:00+00:00');
  });

  it('a 404 is BC_NOT_FOUND, not retried', async () => {
    const s = await fake((r) =>
      r.url.endsWith('/42')
        ? ok({ data: { id: 42, name: 'Hat', categories: [1, 2] }, meta: {} })
        : {
            status: 404,
            body: { status: 404, title: 'The product was not found.', type: 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes', errors: {} },
          },
    );
    const c = client(s.url);
    const e = await caught(c.request('GET', '/v3/catalog/products/43'));
    expect(s.requests).toHaveLength(1);
    expect(e).toMatchObject({ code: 'BC_NOT_FOUND', retryable: false, details: { status: 404, title: 'The product was not found.' } });
  });

  it('assigns with a PUT of the pairs and unassigns with a literal DELETE filter', async () => {
    const s = await fake(() => ({ status: 204 }));
    const c = client(s.url);
    await assignmentsOf(c).assign([
      { product_id: 1, category_id: 10 },
      { product_id: 2, category_id: 10 },
    ]);
    await assignmentsOf(c).unassign(10, [3, 4, 5]);
    expect(s.requests.map((r) => [r.method, r.url])).toEqual([
      ['PUT', `/stores/${STORE}/v3/catalog/products/category-assignments`],
      ['DELETE', `/stores/${STORE}/v3/catalog/products/category-assignments?category_id:in=10&product_id:in=3,4,5`],
    ]);
    expect(JSON.parse(s.requests[0]!.body)).toEqual([
      { product_id: 1, category_id: 10 },
      { product_id: 2, category_id: 10 },
    ]);
    expect(s.requests[0]!.headers['content-type']).toBe('application/json');
    expect(s.requests[0]!.headers['x-auth-token']).toBe(TOKEN);
  });

  it('posts GraphQL to /stores/{hash}/graphql (not under /v3) and returns data and errors', async () => {
    const s = await fake(() => ok({ data: { store: { webhooks: { edges: [] } } }, errors: [{ message: 'partial', path: ['store'] }] }));
    const res = await client(s.url).graphql<{ store: unknown }>('query Q($n: Int) { store { webhooks(first: $n) { edges { node { id } } } } }', { n: 5 });
    expect(res).toEqual({ data: { store: { webhooks: { edges: [] } } }, errors: [{ message: 'partial', path: ['store'] }] });
    const r = s.requests[0]!;
    expect([r.method, r.url]).toEqual(['POST', `/stores/${STORE}/graphql`]);
    expect(JSON.parse(r.body)).toEqual({ query: 'query Q($n: Int) { store { webhooks(first: $n) { edges { node { id } } } } }', variables: { n: 5 } });
    expect(r.headers['x-auth-token']).toBe(TOKEN);
  });
});

describe('errors that are not retried', () => {
  const cases: { status: number; code: string; body: unknown }[] = [
    { status: 401, code: 'BC_UNAUTHORIZED', body: { status: 401, title: 'Unauthorized' } },
    { status: 403, code: 'BC_UNAUTHORIZED', body: { status: 403, title: 'You do not have permission' } },
    { status: 400, code: 'BC_BAD_REQUEST', body: { status: 400, title: 'Input is invalid' } },
    { status: 409, code: 'BC_BAD_REQUEST', body: { status: 409, title: 'Category does not exist', errors: { categories: 'bad' } } },
    { status: 413, code: 'BC_BAD_REQUEST', body: { status: 413, title: 'The request payload is too large. The maximum items allowed in the array is 10.' } },
    { status: 414, code: 'BC_BAD_REQUEST', body: { status: 414, title: 'Request-URI Too Long' } },
    {
      status: 422,
      code: 'BC_BAD_REQUEST',
      body: { status: 422, title: 'JSON data is missing or invalid', type: 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes', errors: { '0.product_id': 'Product 99 does not exist' } },
    },
  ];
  it.each(cases)('$status -> $code with the BigCommerce title/errors in details, one request', async ({ status, code, body }) => {
    const s = await fake(() => ({ status, body }));
    const { logger, lines } = captureLogger();
    const e = await caught(assignmentsOf(client(s.url, { logger })).assign([{ product_id: 99, category_id: 1 }]));
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(false);
    const b = body as { title: string; errors?: unknown; type?: string };
    expect(e.details).toMatchObject({ status, title: b.title, storeHash: STORE, method: 'PUT', path: '/v3/catalog/products/category-assignments', attempts: 1 });
    expect(e.details?.errors).toEqual(b.errors);
    expect(s.requests).toHaveLength(1);
    expect(JSON.stringify({ message: e.message, details: e.details, lines })).not.toContain(TOKEN);
  });

  it('keeps the start of a non-JSON error body', async () => {
    const s = await fake(() => ({ status: 400, body: '<html>bad gateway page</html>' }));
    const e = await caught(client(s.url).request('GET', '/v3/x'));
    expect(e).toMatchObject({ code: 'BC_BAD_REQUEST', details: { status: 400, bodyStart: '<html>bad gateway page</html>' } });
  });

  it('a 2xx that is not JSON, or not shaped like the endpoint, is BC_INVALID_RESPONSE', async () => {
    const s = await fake((r) => (r.url.includes('page=1') ? ok({ data: 'nope' }) : ok('not json {')));
    const c = client(s.url);
    expect(await caught(catalogOf(c).productsByIds([1]))).toMatchObject({ code: 'BC_INVALID_RESPONSE', retryable: true });
    expect(await caught(catalogOf(c).listProducts({ page: 1, limit: 1 }))).toMatchObject({ code: 'BC_INVALID_RESPONSE', retryable: true });
  });

  it('rejects bad ids before sending anything', async () => {
    const s = await fake(() => ok());
    const c = client(s.url);
    expect((await caught(catalogOf(c).productsByIds([1, -2]))).code).toBe('BC_INVALID_ID');
    expect((await caught(assignmentsOf(c).assign([{ product_id: 1, category_id: 0 }]))).code).toBe('BC_INVALID_ID');
    expect(s.requests).toHaveLength(0);
  });
});

describe('retries within the budget', () => {
  it('429 then success: waits the longer of Reset-Ms and X-Retry-After (measured at the server)', async () => {
    const s = await fake((_r, i) =>
      i === 0
        ? { status: 429, headers: { 'X-Rate-Limit-Time-Reset-Ms': '300', 'X-Retry-After': '1', 'X-Rate-Limit-Requests-Left': '0' }, body: { status: 429, title: 'Too many requests' } }
        : ok(productList([{ id: 1 }])),
    );
    const limiter = new RateLimiter({ storeHash: STORE });
    const c = client(s.url, { rateLimiter: limiter });
    expect(await catalogOf(c).productsByIds([1])).toEqual([{ id: 1 }]);
    expect(s.requests).toHaveLength(2);
    const gapMs = s.requests[1]!.atMs - s.requests[0]!.atMs;
    expect(gapMs).toBeGreaterThanOrEqual(1000);
    expect(gapMs).toBeLessThan(1000 + 100 + 400); // jitter <= 100 ms, plus scheduling slack
    expect(limiter.stats()).toMatchObject({ rateLimited: 1, waits: 1 });
    expect(limiter.stats().waitedMs).toBeGreaterThanOrEqual(1000);
  });

  it('429 with a reset longer than X-Retry-After waits the reset', async () => {
    const s = await fake((_r, i) =>
      i === 0 ? { status: 429, headers: { 'X-Rate-Limit-Time-Reset-Ms': '700', 'X-Retry-After': '0', 'X-Rate-Limit-Requests-Left': '0' } } : ok(),
    );
    await catalogOf(client(s.url)).productsByIds([1]);
    expect(s.requests[1]!.atMs - s.requests[0]!.atMs).toBeGreaterThanOrEqual(700);
  });

  it('a 429 on one client pauses another client sharing the store limiter', async () => {
    const s = await fake((r) =>
      r.url.includes('id:in=1&') && s.requests.filter((x) => x.url === r.url).length === 1
        ? { status: 429, headers: { 'X-Rate-Limit-Time-Reset-Ms': '600', 'X-Rate-Limit-Requests-Left': '0' } }
        : ok(),
    );
    const limiter = new RateLimiter({ storeHash: STORE });
    const a = client(s.url, { rateLimiter: limiter });
    const b = client(s.url, { rateLimiter: limiter });
    const pa = catalogOf(a).productsByIds([1]);
    // b starts once a's 429 is in.
    await expect.poll(() => limiter.stats().rateLimited, { timeout: 2000 }).toBe(1);
    const startB = performance.now();
    await Promise.all([pa, catalogOf(b).productsByIds([2])]);
    const bReq = s.requests.find((r) => r.url.includes('id:in=2&'))!;
    expect(bReq.atMs - startB).toBeGreaterThanOrEqual(500);
  });

  it('persistent 429 -> BC_RATE_LIMITED once the next wait would pass the budget, without hammering', async () => {
    const s = await fake(() => ({ status: 429, headers: { 'X-Rate-Limit-Time-Reset-Ms': '200', 'X-Rate-Limit-Requests-Left': '0', 'X-Retry-After': '1' } }));
    // Top of the jitter range, so the escalated second wait is the full 2 s.
    const limiter = new RateLimiter({ storeHash: STORE, random: () => 0.999 });
    const t0 = performance.now();
    const e = await caught(catalogOf(client(s.url, { rateLimiter: limiter, requestBudgetMs: 2_500 })).productsByIds([1]));
    const elapsed = performance.now() - t0;
    expect(e).toMatchObject({ code: 'BC_RATE_LIMITED', retryable: true, details: { status: 429 } });
    // 1 s (retry-after), then 2 s escalated: that wait cannot fit in what is left of 2.5 s.
    expect(s.requests).toHaveLength(2);
    expect(elapsed).toBeLessThan(2_500);
    expect(limiter.stats().rateLimited).toBe(2);
  });

  it('5xx then success', async () => {
    const s = await fake((_r, i) => (i < 2 ? { status: i === 0 ? 503 : 502, body: { status: 503, title: 'Service unavailable' } } : ok(productList([{ id: 5 }]))));
    const { logger, lines } = captureLogger();
    expect(await catalogOf(client(s.url, { logger })).productsByIds([5])).toEqual([{ id: 5 }]);
    expect(s.requests).toHaveLength(3);
    const retries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'bigcommerce request retry');
    expect(retries.map((l) => l.status)).toEqual([503, 502]);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('retries 408 and 423 like a server error', async () => {
    const s = await fake((_r, i) => (i === 0 ? { status: 408 } : i === 1 ? { status: 423 } : ok()));
    await catalogOf(client(s.url)).productsByIds([5]);
    expect(s.requests).toHaveLength(3);
  });

  it('persistent 5xx -> BC_SERVER_ERROR within the budget, backing off', async () => {
    const s = await fake(() => ({ status: 500, body: { status: 500, title: 'Internal Server Error' } }));
    const t0 = performance.now();
    const e = await caught(catalogOf(client(s.url, { requestBudgetMs: 1_000, retryBaseMs: 50, retryMaxMs: 400, random: () => 0.999 })).productsByIds([1]));
    const elapsed = performance.now() - t0;
    expect(e).toMatchObject({ code: 'BC_SERVER_ERROR', retryable: true, details: { status: 500, title: 'Internal Server Error', storeHash: STORE } });
    expect(elapsed).toBeLessThan(1_000);
    // Backoff ~50, 100, 200, 400 (capped). Waits must end by 750 ms (budget minus the 250 ms kept
    // for the attempt after them), so the 400 ms one fits only on a fast machine: 4 or 5 attempts.
    expect(s.requests.length).toBe(e.details?.attempts);
    expect(s.requests.length).toBeGreaterThanOrEqual(4);
    expect(s.requests.length).toBeLessThanOrEqual(5);
    const gaps = s.requests.slice(1).map((r, i) => r.atMs - s.requests[i]!.atMs);
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
  });

  it('connection dropped mid-request, then success', async () => {
    const s = await fake((_r, i) => (i === 0 ? 'destroy' : ok(productList([{ id: 8 }]))));
    expect(await catalogOf(client(s.url)).productsByIds([8])).toEqual([{ id: 8 }]);
    expect(s.requests).toHaveLength(2);
  });

  it('ECONNREFUSED -> BC_NETWORK after the budget', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const t0 = performance.now();
    const e = await caught(catalogOf(client(`http://127.0.0.1:${port}`, { requestBudgetMs: 500, retryBaseMs: 20 })).productsByIds([1]));
    expect(e).toMatchObject({ code: 'BC_NETWORK', retryable: true, details: { reason: 'ECONNREFUSED' } });
    expect(e.details?.attempts).toBeGreaterThan(1);
    expect(performance.now() - t0).toBeLessThan(700);
    expect(JSON.stringify(e.details)).not.toContain(TOKEN);
  });

  it('a server that never answers times out per request, then BC_NETWORK within the budget', async () => {
    const s = await fake(() => 'hang');
    const t0 = performance.now();
    const e = await caught(catalogOf(client(s.url, { requestTimeoutMs: 200, requestBudgetMs: 700, retryBaseMs: 10 })).productsByIds([1]));
    const elapsed = performance.now() - t0;
    expect(e).toMatchObject({ code: 'BC_NETWORK', retryable: true, details: { reason: 'TimeoutError' } });
    expect(s.requests.length).toBeGreaterThanOrEqual(2);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(1_100);
  });

  it('a pacing wait longer than the budget -> BC_BUDGET_EXCEEDED without sending', async () => {
    const s = await fake(() => ({
      status: 200,
      headers: { 'X-Rate-Limit-Time-Window-Ms': '30000', 'X-Rate-Limit-Time-Reset-Ms': '20000', 'X-Rate-Limit-Requests-Quota': '150', 'X-Rate-Limit-Requests-Left': '3' },
      body: productList([]),
    }));
    const c = client(s.url, { requestBudgetMs: 1_000 });
    await catalogOf(c).productsByIds([1]);
    const e = await caught(catalogOf(c).productsByIds([2]));
    expect(e).toMatchObject({ code: 'BC_BUDGET_EXCEEDED', retryable: true });
    expect(e.details?.waitMs).toBeGreaterThan(1_000);
    expect(s.requests).toHaveLength(1);
  });
});

describe('pacing against a real quota', () => {
  const cases = [
    { reserve: 0, quota: 10, maxPerWindow: 10 },
    { reserve: 3, quota: 10, maxPerWindow: 7 },
  ];
  it.each(cases)('quota $quota / 1 s, reserve $reserve, concurrency 3: never over the quota, never a 429', async ({ reserve, quota, maxPerWindow }) => {
    const q = quotaWindow({ quota, windowMs: 1000 });
    const s = await fake(() => {
      const t = q.take();
      return t.ok ? { status: 200, headers: t.headers, body: productList([{ id: 1 }]) } : t.reply;
    });
    const { logger, lines } = captureLogger();
    const limiter = new RateLimiter({ storeHash: STORE, reserve, logger, jitterMs: 20 });
    const c = client(s.url, { rateLimiter: limiter, logger, requestBudgetMs: 10_000 });
    const total = 20;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        await catalogOf(c).productsByIds([1]);
      }
    };
    const t0 = performance.now();
    await Promise.all([worker(), worker(), worker()]);
    const elapsed = performance.now() - t0;
    expect(s.requests).toHaveLength(total);
    expect(q.rejected).toBe(0);
    expect(Math.max(...q.perWindow)).toBeLessThanOrEqual(maxPerWindow);
    // It had to wait for resets: at most maxPerWindow per window.
    expect(q.perWindow.length).toBeGreaterThanOrEqual(Math.ceil(total / maxPerWindow));
    expect(elapsed).toBeGreaterThanOrEqual((Math.ceil(total / maxPerWindow) - 1) * 1000 - 50);
    expect(limiter.stats().waits).toBeGreaterThan(0);
    expect(limiter.stats().rateLimited).toBe(0);
    const waitLogs = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'bigcommerce rate limit wait');
    expect(waitLogs.length).toBe(limiter.stats().waits);
    expect(waitLogs[0]).toMatchObject({ storeHash: STORE, level: 30 });
    expect(typeof waitLogs[0]!.waitMs).toBe('number');
  });
});

describe('error type', () => {
  it('is an AppError the rest of the service can branch on', async () => {
    const s = await fake(() => ({ status: 401, body: { status: 401, title: 'Unauthorized' } }));
    const e = await caught(catalogOf(client(s.url)).listProducts({ page: 1, limit: 1 }));
    expect(isAppError(e, 'BC_UNAUTHORIZED')).toBe(true);
  });
});
