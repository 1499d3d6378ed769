import type { Product } from './types.ts';

/**
 * Pure parsing and evaluation of `GET /v3/catalog/products` queries (reference §4.1): filters,
 * sort, page/limit, include_fields/exclude_fields/include. Invalid input becomes a value the route
 * turns into BigCommerce's 422 body; the route never throws for a bad query.
 */

export type RawQuery = Record<string, string | string[] | undefined>;
export type QueryResult<T> = { ok: true; value: T } | { ok: false; status: 413 | 422; title: string; errors: Record<string, string> };

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 250;
/** BigCommerce caps the page at 10 when options or modifiers are included. */
const SUBRESOURCE_PAGE_CAP = 10;

/** Sub-resources only returned with `include=` (never through include_fields). */
const SUB_RESOURCES = new Set(['custom_fields', 'channels', 'images', 'videos', 'variants', 'options', 'modifiers', 'bulk_pricing_rules', 'primary_image', 'reviews', 'parent_relations']);
const BASE_FIELDS_EXCLUDED = new Set<keyof Product>(['custom_fields', 'channels']);

const NUMERIC_FIELDS = ['id', 'price', 'sale_price', 'calculated_price', 'weight', 'inventory_level', 'total_sold', 'brand_id', 'tax_class_id', 'reviews_count'] as const;
const STRING_FIELDS = ['name', 'sku', 'type', 'availability', 'condition', 'upc', 'mpn'] as const;
const BOOL_FIELDS = ['is_visible', 'is_featured', 'is_free_shipping', 'is_price_hidden'] as const;
const DATE_FIELDS = ['date_modified', 'date_created', 'date_last_imported'] as const;
export const SORT_FIELDS = ['id', 'name', 'sku', 'price', 'date_modified', 'date_last_imported', 'inventory_level', 'is_visible', 'total_sold', 'calculated_price'] as const;
type SortField = (typeof SORT_FIELDS)[number];

export interface ListOptions {
  filter: (p: Product) => boolean;
  /** The `id:in` ids when given: lets the store look up only these instead of scanning the catalog. */
  idIn: number[] | undefined;
  /** No product below this id can match (from `id:min` / `id:greater`): a scan hint, the filter still applies. */
  idFloor: number;
  sort: SortField;
  direction: 'asc' | 'desc';
  page: number;
  limit: number;
  projection: Projection;
}

export interface Projection {
  includeFields: Set<string> | undefined;
  excludeFields: Set<string>;
  include: Set<string>;
}

export interface Pagination {
  total: number;
  count: number;
  per_page: number;
  current_page: number;
  total_pages: number;
  links: { previous?: string; current: string; next?: string };
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const csv = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Integers from a CSV (`1,2,3`), or undefined when any entry is not an integer. */
export function parseIntList(v: string): number[] | undefined {
  const parts = csv(v);
  if (parts.some((s) => !/^-?\d+$/.test(s))) return undefined;
  return parts.map(Number);
}

/** ISO-8601 or unix seconds -> ms, or undefined. */
export function parseDateParam(v: string): number | undefined {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

function parseBool(v: string): boolean | undefined {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

/** page/limit as BigCommerce reads them; `limitOver250` decides whether 251+ is an error or capped. */
export function parsePageLimit(query: RawQuery, limitOver250: 'reject' | 'cap'): QueryResult<{ page: number; limit: number }> {
  const errors: Record<string, string> = {};
  const rawPage = first(query.page);
  const rawLimit = first(query.limit);
  const page = rawPage === undefined || rawPage === '' ? 1 : /^\d+$/.test(rawPage) ? Number(rawPage) : NaN;
  let limit = rawLimit === undefined || rawLimit === '' ? DEFAULT_LIMIT : /^\d+$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!Number.isInteger(page) || page < 1) errors.page = 'page must be a positive integer';
  if (!Number.isInteger(limit) || limit < 1) errors.limit = 'limit must be a positive integer';
  if (Object.keys(errors).length > 0) return { ok: false, status: 422, title: 'Invalid page or limit', errors };
  if (limit > MAX_LIMIT) {
    if (limitOver250 === 'reject') {
      return { ok: false, status: 413, title: `The limit exceeds the maximum of ${MAX_LIMIT}.`, errors: { limit: `limit must be at most ${MAX_LIMIT}` } };
    }
    limit = MAX_LIMIT;
  }
  return { ok: true, value: { page, limit } };
}

function projectionOf(query: RawQuery): Projection {
  const inc = first(query.include_fields);
  const exc = first(query.exclude_fields);
  const include = first(query.include);
  return {
    includeFields: inc === undefined ? undefined : new Set(csv(inc)),
    excludeFields: new Set(exc === undefined ? [] : csv(exc)),
    include: new Set(include === undefined ? [] : csv(include)),
  };
}

export function parseProjection(query: RawQuery): Projection {
  return projectionOf(query);
}

/**
 * The published `include_fields` enum of GET /catalog/products and /catalog/products/{id}
 * (products_catalog.v3.yml IncludeFieldsParam; test/sandbox/openapi-contract.test.ts checks it
 * against the vendored spec). `id` and sub-resources are not in it.
 */
export const INCLUDE_FIELDS_ENUM: ReadonlySet<string> = new Set(
  (
    'name type sku description weight width depth height price cost_price retail_price sale_price map_price tax_class_id product_tax_code ' +
    'calculated_price categories brand_id option_set_id option_set_display inventory_level inventory_warning_level inventory_tracking ' +
    'reviews_rating_sum reviews_count total_sold fixed_cost_shipping_price is_free_shipping is_visible is_featured related_products warranty ' +
    'bin_picking_number layout_file upc mpn gtin date_last_imported search_keywords availability availability_description condition ' +
    'is_condition_shown order_quantity_minimum order_quantity_maximum page_title meta_keywords meta_description date_created date_modified ' +
    'view_count preorder_release_date preorder_message is_preorder_only is_price_hidden price_hidden_label custom_url base_variant_id ' +
    'open_graph_type open_graph_title open_graph_description open_graph_use_meta_description open_graph_use_product_name open_graph_use_image'
  ).split(' '),
);

/**
 * [U] what BigCommerce does with a name outside the enum (ignore it or refuse): the sandbox refuses
 * with 422, the stricter reading, so a client that sends one fails here first.
 */
export function includeFieldsErrors(query: RawQuery): Record<string, string> {
  const inc = first(query.include_fields);
  const bad = inc === undefined ? [] : csv(inc).filter((f) => !INCLUDE_FIELDS_ENUM.has(f));
  return bad.length === 0 ? {} : { include_fields: `not in the published include_fields enum: ${bad.join(', ')}` };
}

/** Parses every supported filter; unknown parameters are ignored (as BigCommerce does). */
// eslint-disable-next-line max-lines-per-function -- one pass over BigCommerce's documented list parameters, one short branch each
export function parseListQuery(query: RawQuery, opts: { limitOver250: 'reject' | 'cap'; categoriesIn: 'any' | 'all' }): QueryResult<ListOptions> {
  const errors: Record<string, string> = {};
  const preds: ((p: Product) => boolean)[] = [];
  const get = (k: string) => first(query[k]);

  for (const f of NUMERIC_FIELDS) {
    const num = (k: string, test: (a: number, b: number) => boolean) => {
      const v = get(k);
      if (v === undefined) return;
      const n = Number(v);
      if (v.trim() === '' || Number.isNaN(n)) errors[k] = `${k} must be a number`;
      else preds.push((p) => test(p[f], n));
    };
    num(f, (a, b) => a === b);
    num(`${f}:min`, (a, b) => a >= b);
    num(`${f}:max`, (a, b) => a <= b);
    num(`${f}:greater`, (a, b) => a > b);
    num(`${f}:less`, (a, b) => a < b);
    for (const [suffix, keep] of [
      [':in', true],
      [':not_in', false],
    ] as const) {
      const k = `${f}${suffix}`;
      const v = get(k);
      if (v === undefined) continue;
      const ids = parseIntList(v);
      if (!ids) errors[k] = `${k} must be comma-separated integers`;
      else {
        const set = new Set(ids);
        preds.push((p) => set.has(p[f]) === keep);
      }
    }
  }
  for (const f of STRING_FIELDS) {
    const v = get(f);
    if (v !== undefined) preds.push((p) => p[f] === v);
    const vin = get(`${f}:in`);
    if (vin !== undefined) {
      const set = new Set(csv(vin));
      preds.push((p) => set.has(p[f]));
    }
    const like = get(`${f}:like`);
    if (like !== undefined) preds.push((p) => p[f].toLowerCase().includes(like.toLowerCase()));
  }
  for (const f of BOOL_FIELDS) {
    const v = get(f);
    if (v === undefined) continue;
    const b = parseBool(v);
    if (b === undefined) errors[f] = `${f} must be true or false`;
    else preds.push((p) => p[f] === b);
  }
  for (const f of DATE_FIELDS) {
    // date_last_imported is not modelled: it reads as date_modified.
    const field = f === 'date_last_imported' ? 'date_modified' : f;
    for (const [suffix, test] of [
      ['', (a: number, b: number) => a === b],
      [':min', (a: number, b: number) => a >= b],
      [':max', (a: number, b: number) => a <= b],
    ] as const) {
      const k = `${f}${suffix}`;
      const v = get(k);
      if (v === undefined) continue;
      const ms = parseDateParam(v);
      if (ms === undefined) errors[k] = `${k} must be an ISO-8601 date or unix seconds`;
      else preds.push((p) => test(Date.parse(p[field]), ms));
    }
  }
  const cat = get('categories');
  if (cat !== undefined) {
    if (!/^\d+$/.test(cat)) errors.categories = 'categories must be an integer';
    else preds.push((p) => p.categories.includes(Number(cat)));
  }
  const catIn = get('categories:in');
  if (catIn !== undefined) {
    const ids = parseIntList(catIn);
    if (!ids) errors['categories:in'] = 'categories:in must be comma-separated integers';
    else if (opts.categoriesIn === 'all') preds.push((p) => ids.every((c) => p.categories.includes(c)));
    else preds.push((p) => ids.some((c) => p.categories.includes(c)));
  }
  const keyword = get('keyword');
  if (keyword !== undefined) {
    const k = keyword.toLowerCase();
    preds.push((p) => p.name.toLowerCase().includes(k) || p.sku.toLowerCase().includes(k) || p.search_keywords.toLowerCase().includes(k));
  }
  const outOfStock = get('out_of_stock');
  if (outOfStock !== undefined) {
    const b = parseBool(outOfStock);
    if (b === undefined) errors.out_of_stock = 'out_of_stock must be 1 or 0';
    else preds.push((p) => (p.inventory_tracking !== 'none' && p.inventory_level <= 0) === b);
  }
  const low = get('inventory_low');
  if (low !== undefined) {
    const b = parseBool(low);
    if (b === undefined) errors.inventory_low = 'inventory_low must be 1 or 0';
    else preds.push((p) => (p.inventory_tracking !== 'none' && p.inventory_level <= p.inventory_warning_level) === b);
  }

  const sortRaw = get('sort') ?? 'id';
  const sort = (SORT_FIELDS as readonly string[]).includes(sortRaw) ? (sortRaw as SortField) : undefined;
  if (!sort) errors.sort = `sort must be one of ${SORT_FIELDS.join(', ')}`;
  const dirRaw = (get('direction') ?? 'asc').toLowerCase();
  if (dirRaw !== 'asc' && dirRaw !== 'desc') errors.direction = 'direction must be asc or desc';

  Object.assign(errors, includeFieldsErrors(query));
  if (Object.keys(errors).length > 0) return { ok: false, status: 422, title: 'The filter parameters are invalid.', errors };
  const pl = parsePageLimit(query, opts.limitOver250);
  if (!pl.ok) return pl;
  const projection = projectionOf(query);
  const capped = projection.include.has('options') || projection.include.has('modifiers');
  return {
    ok: true,
    value: {
      filter: (p) => preds.every((t) => t(p)),
      idIn: get('id:in') === undefined ? undefined : parseIntList(get('id:in') ?? ''),
      idFloor: Math.max(0, ...[get('id:min') === undefined ? 0 : Math.ceil(Number(get('id:min'))), get('id:greater') === undefined ? 0 : Math.floor(Number(get('id:greater'))) + 1].filter((n) => Number.isFinite(n))),
      sort: sort ?? 'id',
      direction: dirRaw === 'desc' ? 'desc' : 'asc',
      page: pl.value.page,
      limit: capped ? Math.min(pl.value.limit, SUBRESOURCE_PAGE_CAP) : pl.value.limit,
      projection,
    },
  };
}

function sortValue(p: Product, f: SortField): number | string | boolean {
  return f === 'date_modified' || f === 'date_last_imported' ? Date.parse(p.date_modified) : p[f];
}

/**
 * The same page as `listProducts` for `sort=id`, from a visitor that walks the catalog in the
 * requested id order: counts every match for `total` but keeps only the page (big catalogs).
 */
export function listProductsInIdOrder(walk: (visit: (p: Product) => void) => void, o: ListOptions): { data: Product[]; pagination: Pagination } {
  const from = (o.page - 1) * o.limit;
  const to = o.page * o.limit;
  const data: Product[] = [];
  let total = 0;
  walk((p) => {
    if (!o.filter(p)) return;
    if (total >= from && total < to) data.push(p);
    total++;
  });
  return { data, pagination: pageOf(total, data.length, o.page, o.limit) };
}

/** Sorts (stable, id as tie-breaker) and pages. */
export function listProducts(all: Product[], o: ListOptions): { data: Product[]; pagination: Pagination } {
  const sign = o.direction === 'desc' ? -1 : 1;
  const matched = all.filter(o.filter).sort((a, b) => {
    const x = sortValue(a, o.sort);
    const y = sortValue(b, o.sort);
    if (x < y) return -sign;
    if (x > y) return sign;
    return a.id - b.id;
  });
  return paginate(matched, o.page, o.limit);
}

export function paginate<T>(items: T[], page: number, limit: number): { data: T[]; pagination: Pagination } {
  const data = items.slice((page - 1) * limit, page * limit);
  return { data, pagination: pageOf(items.length, data.length, page, limit) };
}

function pageOf(total: number, count: number, page: number, limit: number): Pagination {
  const totalPages = Math.ceil(total / limit);
  const link = (n: number) => `?limit=${limit}&page=${n}`;
  return {
      total,
      count,
      per_page: limit,
      current_page: page,
      total_pages: totalPages,
      links: {
        ...(page > 1 ? { previous: link(Math.min(page - 1, Math.max(totalPages, 1))) } : {}),
        current: link(page),
        ...(page < totalPages ? { next: link(page + 1) } : {}),
      },
  };
}

/** The product as the API returns it: include_fields / exclude_fields (id always kept) + include sub-resources. */
export function projectProduct(p: Product, proj: Projection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (BASE_FIELDS_EXCLUDED.has(k as keyof Product)) continue;
    if (k !== 'id' && proj.includeFields && !proj.includeFields.has(k)) continue;
    if (k !== 'id' && proj.excludeFields.has(k)) continue;
    out[k] = v;
  }
  for (const inc of proj.include) {
    if (!SUB_RESOURCES.has(inc)) continue;
    if (inc === 'custom_fields') out.custom_fields = p.custom_fields;
    else if (inc === 'channels') out.channels = p.channels;
    else if (inc === 'primary_image') out.primary_image = null;
    else if (inc === 'variants') out.variants = [baseVariant(p)];
    else out[inc] = [];
  }
  return out;
}

/** Simple products have exactly one (base) variant that inherits the product's prices. */
function baseVariant(p: Product): Record<string, unknown> {
  return {
    id: p.base_variant_id ?? p.id,
    product_id: p.id,
    sku: p.sku,
    price: null,
    sale_price: null,
    retail_price: null,
    calculated_price: p.calculated_price,
    inventory_level: p.inventory_level,
    purchasing_disabled: false,
    option_values: [],
  };
}
