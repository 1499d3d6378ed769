import pLimit from 'p-limit';
import type { BigCommerceClient, RequestOptions } from './client.ts';
import { keysetProductsPath, listProductsPath, MAX_PAGE_SIZE, PRODUCTS_BY_IDS_PREFIX, productsByIdsPath, productsByIdsSuffix, type IncludeOptions, type KeysetOptions, type ListProductsOptions } from './catalog-paths.ts';
import { chunkIds, DEFAULT_MAX_URL_LENGTH } from './chunk-ids.ts';
import { ProductListResponseSchema, type Pagination, type Product } from './product.ts';

export interface Catalog {
  /**
   * The ids split into `id:in` requests whose full URL (this store's base, the ids and the
   * `include` options) stays within the catalog's `maxUrlLength`, at most 250 ids each. Pure;
   * AppError FETCH_ID_INVALID / FETCH_ID_TOO_LONG for ids that cannot be sent.
   */
  chunkProductIds(ids: readonly number[], fetch: IncludeOptions): number[][];
  /** ONE request for 1..250 ids that fit one URL (see chunkProductIds). Unknown ids are simply absent; [] and no request for no ids. */
  productsByIds(ids: readonly number[], fetch?: IncludeOptions, opts?: RequestOptions): Promise<Product[]>;
  /** Every product of `ids`: chunked, `concurrency` requests at a time. Returns the products and the request count. */
  readProductsByIds(ids: readonly number[], fetch: IncludeOptions, concurrency: number): Promise<{ products: Product[]; requests: number }>;
  /** One page of the listing (`page=N`), with `meta.pagination`. */
  listProducts(opts: ListProductsOptions): Promise<{ products: Product[]; pagination: Pagination }>;
  /**
   * One keyset page: products with an id above `afterId`, ascending by id (`id:greater` + `sort=id`).
   * Unlike `page=N`, products deleted meanwhile cannot shift later pages and make the listing skip
   * some. `lastId` is where the next page starts; undefined when this page was the last, told by
   * `remaining` (`meta.pagination.total`: the products from this page's start on), so a catalog
   * of N products costs exactly ceil(N / limit) pages, with no empty page to prove the end.
   */
  productsAfter(afterId: number, opts?: KeysetOptions): Promise<{ products: Product[]; lastId: number | undefined; remaining: number }>;
}

/** Catalog reads (reference §4.2) over one store's transport. */
export function createCatalog(client: BigCommerceClient, opts: { maxUrlLength?: number } = {}): Catalog {
  const maxUrlLength = opts.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;

  const catalog: Catalog = {
    chunkProductIds(ids, fetch) {
      // A suffix built for 250 is never shorter than the real one (only `limit=<count>` varies).
      return chunkIds(ids, { urlPrefix: client.requestUrl(PRODUCTS_BY_IDS_PREFIX), urlSuffix: productsByIdsSuffix(MAX_PAGE_SIZE, fetch), maxUrlLength });
    },

    async productsByIds(ids, fetch = {}, reqOpts = {}) {
      if (ids.length === 0) return [];
      return (await client.requestParsed('GET', productsByIdsPath(ids, fetch), ProductListResponseSchema, undefined, reqOpts)).data;
    },

    async readProductsByIds(ids, fetch, concurrency) {
      const chunks = catalog.chunkProductIds(ids, fetch);
      const limit = pLimit(concurrency);
      const pages = await Promise.all(chunks.map((chunk) => limit(() => catalog.productsByIds(chunk, fetch))));
      return { products: pages.flat(), requests: chunks.length };
    },

    async listProducts(o) {
      const body = await client.requestParsed('GET', listProductsPath(o), ProductListResponseSchema);
      return { products: body.data, pagination: body.meta.pagination };
    },

    async productsAfter(afterId, o = {}) {
      const limit = o.limit ?? MAX_PAGE_SIZE;
      const body = await client.requestParsed('GET', keysetProductsPath(afterId, { ...o, limit }), ProductListResponseSchema);
      // Only ids above afterId count: a server that ignored the filter must not make the caller loop.
      const products = body.data.filter((p) => p.id > afterId);
      const remaining = body.meta.pagination.total;
      const more = products.length > 0 && body.data.length >= limit && remaining > body.data.length;
      const lastId = more ? products.reduce((m, p) => (p.id > m ? p.id : m), afterId) : undefined;
      return { products, lastId, remaining };
    },
  };
  return catalog;
}
