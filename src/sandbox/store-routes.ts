import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { includeFieldsErrors, listProducts, listProductsInIdOrder, paginate, parseIntList, parseListQuery, parsePageLimit, parseProjection, projectProduct, type RawQuery } from './product-query.ts';
import { ProductBatchItemSchema, issuesToErrors } from './product-write.ts';
import type { RateDecision } from './rate-window.ts';
import type { SandboxStoreState } from './sandbox-store.ts';
import { executeWebhookGraphQL } from './webhook-graphql.ts';

/**
 * The BigCommerce-facing HTTP API of every store: `/stores/{hash}/v3/...` (catalog, category
 * assignments) and `/stores/{hash}/graphql` (webhooks). Each request passes the same gate, in the
 * order a real edge would apply it: URL length (414), token (401), injected 429 bursts, the quota
 * window (429), latency, injected 5xx; only then the handler runs.
 */

export const BC_ERROR_TYPE = 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes';
export const BATCH_TOO_LARGE_TITLE = 'The request payload is too large. The maximum items allowed in the array is 10.';
export const PRODUCT_NOT_FOUND_TITLE = 'The product was not found.';
const MAX_PRODUCT_BATCH = 10;

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  422: 'JSON data is invalid',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function bcError(status: number, title?: string, errors: Record<string, string> = {}): Record<string, unknown> {
  return { status, title: title ?? STATUS_TITLES[status] ?? 'Error', type: BC_ERROR_TYPE, errors };
}

interface Ctx {
  store: SandboxStoreState;
  clientId: string;
  req: FastifyRequest;
  reply: FastifyReply;
  query: RawQuery;
}
type Handler = (ctx: Ctx) => unknown;

const READ_SCOPES = ['store_v2_products', 'store_v2_products_read_only'];
const WRITE_SCOPES = ['store_v2_products'];

/** Per-request bookkeeping for the onResponse stats hook. */
const tracked = new WeakMap<FastifyRequest, { store: SandboxStoreState; routeKey: string; onSuccess?: () => void }>();

function setRateHeaders(reply: FastifyReply, d: RateDecision, limited: boolean): void {
  reply.header('X-Rate-Limit-Time-Window-Ms', String(d.windowMs));
  reply.header('X-Rate-Limit-Time-Reset-Ms', String(d.resetMs));
  reply.header('X-Rate-Limit-Requests-Quota', String(d.quota));
  reply.header('X-Rate-Limit-Requests-Left', String(limited ? 0 : d.left));
  if (limited) reply.header('X-Retry-After', String(d.retryAfterSeconds));
}

/** Whether an assignment (product, category) matches the GET/DELETE filters under the configured join [U]. */
function assignmentFilter(join: 'and' | 'or', products: Set<number> | undefined, categories: Set<number> | undefined): (productId: number, categoryId: number) => boolean {
  const byProduct = (p: number) => products?.has(p);
  const byCategory = (c: number) => categories?.has(c);
  if (join === 'or' && products && categories) return (p, c) => byProduct(p) === true || byCategory(c) === true;
  return (p, c) => (products ? byProduct(p) === true : true) && (categories ? byCategory(c) === true : true);
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

// eslint-disable-next-line max-lines-per-function -- a flat table of BigCommerce routes; each handler is short and the shared state is the store map
export function registerStoreRoutes(app: FastifyInstance, deps: { stores: Map<string, SandboxStoreState>; clock: Clock }): void {
  const { stores, clock } = deps;

  app.addHook('onResponse', (req, reply, done) => {
    const t = tracked.get(req);
    if (t) {
      const s = t.store.stats;
      s.requests++;
      s.byRoute[t.routeKey] = (s.byRoute[t.routeKey] ?? 0) + 1;
      const code = String(reply.statusCode);
      s.status[code] = (s.status[code] ?? 0) + 1;
      if (reply.statusCode < 300) t.onSuccess?.();
    }
    done();
  });

  const route = (method: 'GET' | 'PUT' | 'DELETE' | 'POST', path: string, handler: Handler, onSuccess?: (store: SandboxStoreState) => void, api: 'rest' | 'graphql' = 'rest') => {
    const routeKey = `${method} ${path}`;
    app.route({
      method,
      url: `/stores/:hash${path}`,
      handler: async (req, reply) => {
        const { hash } = req.params as { hash: string };
        const store = stores.get(hash);
        if (!store) return reply.code(404).send(bcError(404, 'Store not found'));
        // GraphQL Admin reports its own quota in the same header names (reference §5, [C-beta]).
        const window = api === 'graphql' ? store.graphqlRate : store.rate;
        tracked.set(req, { store, routeKey, ...(onSuccess ? { onSuccess: () => onSuccess(store) } : {}) });
        const now = clock.now();

        // The URL as sent (path + query), which is what BigCommerce's 2048-character limit applies to.
        const urlLength = req.url.length;
        store.stats.maxUrlLength = Math.max(store.stats.maxUrlLength, urlLength);
        if (urlLength > store.maxUrlLength) {
          store.stats.rejectedLongUrls++;
          setRateHeaders(reply, window.peek(now), false);
          return reply.code(414).send(bcError(414, 'Request-URI Too Long'));
        }

        const token = req.headers['x-auth-token'];
        const clientId = store.clientForToken(typeof token === 'string' ? token : undefined);
        if (clientId === undefined) {
          setRateHeaders(reply, window.peek(now), false);
          return reply.code(401).send(bcError(401, 'Unauthorized: missing or invalid X-Auth-Token'));
        }

        const scopes = method === 'GET' ? READ_SCOPES : path.startsWith('/v3/catalog') ? WRITE_SCOPES : [];
        if (typeof token === 'string' && !store.tokenHasScope(token, scopes)) {
          setRateHeaders(reply, window.peek(now), false);
          return reply.code(403).send(bcError(403, `The access token lacks a required OAuth scope: ${scopes.join(' or ')}`));
        }

        if (store.takeInjected429()) {
          setRateHeaders(reply, window.peek(now), true);
          return reply.code(429).send(bcError(429, 'Too many requests'));
        }
        const decision = window.take(now);
        setRateHeaders(reply, decision, !decision.allowed);
        if (!decision.allowed) return reply.code(429).send(bcError(429, 'Too many requests'));
        // [U] a GraphQL call may also spend REST quota; it is not reported in these headers.
        if (api === 'graphql' && store.graphqlCountsAgainstRest) store.rate.take(now);

        const latency = store.latencyMs();
        if (latency > 0) await sleep(latency);
        const injected = store.injectedError();
        if (injected) return reply.code(injected).send(bcError(injected));

        return handler({ store, clientId, req, reply, query: req.query as RawQuery });
      },
    });
  };

  // ------------------------------------------------------------------ catalog products

  route(
    'GET',
    '/v3/catalog/products',
    ({ store, query, reply }) => {
      const parsed = parseListQuery(query, { limitOver250: store.limitOver250, categoriesIn: store.categoriesIn });
      if (!parsed.ok) return reply.code(parsed.status).send(bcError(parsed.status, parsed.title, parsed.errors));
      const { idIn, idFloor } = parsed.value;
      const { data, pagination } = idIn
        ? listProducts(store.visibleProducts(new Set(idIn)), parsed.value)
        : parsed.value.sort === 'id'
          ? listProductsInIdOrder((visit) => store.forEachVisibleInIdOrder(idFloor, parsed.value.direction, visit), parsed.value)
          : listProducts(store.visibleProducts(), parsed.value);
      return { data: data.map((p) => projectProduct(p, parsed.value.projection)), meta: { pagination } };
    },
    (store) => store.stats.productGets++,
  );

  route('GET', '/v3/catalog/products/:id', ({ store, req, query, reply }) => {
    const { id } = req.params as { id: string };
    const badFields = includeFieldsErrors(query);
    if (Object.keys(badFields).length > 0) return reply.code(422).send(bcError(422, 'The filter parameters are invalid.', badFields));
    const product = /^\d+$/.test(id) ? store.visibleProduct(Number(id)) : undefined;
    if (!product) return reply.code(404).send(bcError(404, PRODUCT_NOT_FOUND_TITLE));
    return { data: projectProduct(product, parseProjection(query)), meta: {} };
  });

  route('PUT', '/v3/catalog/products', ({ store, req, query, reply }) => {
    const body = req.body;
    if (!Array.isArray(body)) return reply.code(422).send(bcError(422, 'The request body must be an array of products.', { '(body)': 'expected an array' }));
    if (body.length > MAX_PRODUCT_BATCH) return reply.code(413).send(bcError(413, BATCH_TOO_LARGE_TITLE));
    if (body.length === 0) return reply.code(422).send(bcError(422, 'The request body must contain at least one product.', { '(body)': 'empty array' }));
    const errors: Record<string, string> = {};
    const items: { id: number; patch: Record<string, unknown> }[] = [];
    const seen = new Set<number>();
    body.forEach((raw, i) => {
      const r = ProductBatchItemSchema.safeParse(raw);
      if (!r.success) return Object.assign(errors, issuesToErrors(r.error.issues, `${i}.`));
      const { id, ...patch } = r.data;
      if (seen.has(id)) errors[`${i}.id`] = `duplicate id ${id} in the batch`;
      seen.add(id);
      items.push({ id, patch });
    });
    if (Object.keys(errors).length > 0) return reply.code(422).send(bcError(422, 'JSON data is invalid', errors));
    const missing = items.filter((it) => !store.product(it.id));
    if (missing.length > 0) {
      return reply.code(404).send(bcError(404, PRODUCT_NOT_FOUND_TITLE, Object.fromEntries(missing.map((m) => [String(m.id), `Product with id ${m.id} not found`]))));
    }
    const badCats = items.flatMap((it) => (Array.isArray(it.patch.categories) ? (it.patch.categories as number[]).filter((c) => !store.categoryExists(c)) : []));
    if (badCats.length > 0) return reply.code(409).send(bcError(409, `Category ids do not exist: ${[...new Set(badCats)].join(', ')}`));
    const { products: updated, changedIds } = store.applyPatches(items);
    store.stats.productWrites += changedIds.length;
    const projection = parseProjection(query);
    return { data: updated.map((p) => projectProduct(p, projection)), meta: {} };
  });

  // ------------------------------------------------------------------ category assignments

  const parseIdFilter = (query: RawQuery, key: string, errors: Record<string, string>): Set<number> | undefined => {
    const raw = query[key];
    const v = Array.isArray(raw) ? raw.join(',') : raw;
    if (v === undefined) return undefined;
    const ids = parseIntList(v);
    if (!ids) {
      errors[key] = `${key} must be comma-separated integers`;
      return undefined;
    }
    return new Set(ids);
  };

  route('GET', '/v3/catalog/products/category-assignments', ({ store, query, reply }) => {
    const errors: Record<string, string> = {};
    const products = parseIdFilter(query, 'product_id:in', errors);
    const categories = parseIdFilter(query, 'category_id:in', errors);
    if (Object.keys(errors).length > 0) return reply.code(422).send(bcError(422, 'The filter parameters are invalid.', errors));
    const pl = parsePageLimit(query, store.limitOver250);
    if (!pl.ok) return reply.code(pl.status).send(bcError(pl.status, pl.title, pl.errors));
    const matches = assignmentFilter(store.assignmentFilterJoin, products, categories);
    const pairs = store
      .visibleProducts()
      .sort((a, b) => a.id - b.id)
      .flatMap((p) => p.categories.filter((c) => matches(p.id, c)).map((c) => ({ product_id: p.id, category_id: c })));
    const { data, pagination } = paginate(pairs, pl.value.page, pl.value.limit);
    return { data, meta: { pagination } };
  });

  // ------------------------------------------------------------------ category tree (read)
  // The flat list of one store's categories (reference §4.6), paged like products.

  route('GET', '/v3/catalog/trees/categories', ({ store, query, reply }) => {
    const errors: Record<string, string> = {};
    const wanted = parseIdFilter(query, 'category_id:in', errors);
    if (Object.keys(errors).length > 0) return reply.code(422).send(bcError(422, 'The filter parameters are invalid.', errors));
    const pl = parsePageLimit(query, store.limitOver250);
    if (!pl.ok) return reply.code(pl.status).send(bcError(pl.status, pl.title, pl.errors));
    // The store's named tree (categoryTree option), plus any other category a product is in or the store lists.
    const named = new Map(store.categoryTree.map((c) => [c.id, c]));
    const all = [...new Set([...named.keys(), ...store.listableCategoryIds()])].filter((id) => store.categoryExists(id));
    const ids = (wanted ? [...wanted].filter((id) => store.categoryExists(id)) : all).sort((a, b) => a - b);
    const categories = ids.map((id) => ({
      category_id: id,
      category_uuid: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
      parent_id: named.get(id)?.parentId ?? 0,
      tree_id: 1,
      name: named.get(id)?.name ?? `Category ${id}`,
      description: '',
      views: 0,
      sort_order: 0,
      page_title: '',
      meta_keywords: [],
      meta_description: '',
      layout_file: 'category.html',
      image_url: '',
      is_visible: true,
      search_keywords: '',
      default_product_sort: 'use_store_settings',
      url: { path: `/${slug(named.get(id)?.name ?? `category-${id}`)}/`, is_customized: false },
    }));
    const { data, pagination } = paginate(categories, pl.value.page, pl.value.limit);
    return { data, meta: { pagination } };
  });

  const AssignmentSchema = z.object({ product_id: z.number().int().positive(), category_id: z.number().int().positive() });

  route(
    'PUT',
    '/v3/catalog/products/category-assignments',
    ({ store, req, reply }) => {
      const body = req.body;
      if (!Array.isArray(body)) return reply.code(422).send(bcError(422, 'The request body must be an array of assignments.', { '(body)': 'expected an array' }));
      if (body.length > store.maxAssignmentsPerPut) {
        const status = store.assignmentsOverLimitStatus;
        return reply.code(status).send(bcError(status, `The request payload is too large. The maximum items allowed in the array is ${store.maxAssignmentsPerPut}.`));
      }
      if (body.length === 0) return reply.code(422).send(bcError(422, 'The request body must contain at least one assignment.', { '(body)': 'empty array' }));
      const errors: Record<string, string> = {};
      const pairs: { product_id: number; category_id: number }[] = [];
      body.forEach((raw, i) => {
        const r = AssignmentSchema.safeParse(raw);
        if (!r.success) errors[String(i)] = r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
        else if (!store.product(r.data.product_id)) errors[String(i)] = `Product with id ${r.data.product_id} does not exist`;
        else if (!store.categoryExists(r.data.category_id)) errors[String(i)] = `Category with id ${r.data.category_id} does not exist`;
        else pairs.push(r.data);
      });
      // [U] whether valid entries of a partly invalid request are applied: the sandbox applies none.
      if (Object.keys(errors).length > 0) return reply.code(422).send(bcError(422, 'JSON data is invalid', errors));
      const next = new Map<number, Set<number>>();
      let noop = 0;
      for (const { product_id, category_id } of pairs) {
        const set = next.get(product_id) ?? new Set(store.product(product_id)?.categories ?? []);
        if (set.has(category_id)) noop++;
        set.add(category_id);
        next.set(product_id, set);
      }
      store.applyPatches([...next].map(([id, set]) => ({ id, patch: { categories: [...set] } })));
      store.stats.categoryAssignmentsWritten += pairs.length;
      store.stats.categoryAssignmentsNoop += noop;
      return reply.code(204).send();
    },
    (store) => store.stats.categoryWrites++,
  );

  route(
    'DELETE',
    '/v3/catalog/products/category-assignments',
    ({ store, query, reply }) => {
      const errors: Record<string, string> = {};
      const products = parseIdFilter(query, 'product_id:in', errors);
      const categories = parseIdFilter(query, 'category_id:in', errors);
      if (Object.keys(errors).length > 0) return reply.code(422).send(bcError(422, 'The filter parameters are invalid.', errors));
      if (!products && !categories) {
        return reply.code(422).send(bcError(422, 'At least one filter is required: product_id:in or category_id:in.', { filter: 'product_id:in or category_id:in is required' }));
      }
      let removed = 0;
      const patches: { id: number; patch: { categories: number[] } }[] = [];
      const matches = assignmentFilter(store.assignmentFilterJoin, products, categories);
      for (const p of store.products()) {
        const keep = p.categories.filter((c) => !matches(p.id, c));
        if (keep.length !== p.categories.length) {
          removed += p.categories.length - keep.length;
          patches.push({ id: p.id, patch: { categories: keep } });
        }
      }
      store.applyPatches(patches);
      store.stats.categoryAssignmentsDeleted += removed;
      return reply.code(204).send();
    },
    (store) => store.stats.categoryWrites++,
  );

  // ------------------------------------------------------------------ GraphQL Admin (webhooks)

  route(
    'POST',
    '/graphql',
    async ({ store, clientId, req, reply }) => {
      const body = (req.body ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
      if (typeof body.query !== 'string' || body.query.trim() === '') return reply.code(400).send({ errors: [{ message: 'Must provide query string.' }] });
      const variables = typeof body.variables === 'object' && body.variables !== null ? (body.variables as Record<string, unknown>) : undefined;
      const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
      // graphql-js answers syntax and validation errors as `{ errors }` (HTTP 200, as the sandbox has
      // always done: the HTTP status of a rejected document is [U]).
      return executeWebhookGraphQL(store, clientId, { query: body.query, variables, operationName }, req.log);
    },
    undefined,
    'graphql',
  );
}
