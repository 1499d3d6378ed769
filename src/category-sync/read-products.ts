import pLimit from 'p-limit';
import type { BigCommerceClient } from '../bigcommerce/client.ts';
import { PRODUCTS_BY_IDS_PREFIX, productsByIdsSuffix, type IncludeOptions } from '../bigcommerce/catalog-paths.ts';
import { chunkIds } from '../bigcommerce/chunk-ids.ts';
import type { Product } from '../bigcommerce/product.ts';
import { planFetch, FULL_SYNC_PAGE_SIZE } from './plan-fetch.ts';

export interface ProductRead {
  mode: 'batched' | 'full';
  products: Product[];
  requests: number;
  /** The catalog size a full read saw (feeds the next planFetch); undefined for a batched read. */
  catalogTotal: number | undefined;
}

export interface ReadProductsInput {
  ids: readonly number[];
  /** 'full' pages the whole catalog; 'auto' lets planFetch choose the cheaper read. */
  mode: 'auto' | 'full';
  catalogTotal: number | undefined;
  fetch: IncludeOptions;
  maxUrlLength: number;
  concurrency: number;
}

/** The products of `ids` in as few calls as planFetch finds: id:in batches, or every catalog page. */
export async function readProducts(client: BigCommerceClient, input: ReadProductsInput): Promise<ProductRead> {
  const plan =
    input.mode === 'full'
      ? ({ mode: 'full' } as const)
      : planFetch({
          pendingIds: input.ids,
          catalogTotal: input.catalogTotal,
          idsPerRequest: (list) =>
            chunkIds(list, { urlPrefix: client.requestUrl(PRODUCTS_BY_IDS_PREFIX), urlSuffix: productsByIdsSuffix(250, input.fetch), maxUrlLength: input.maxUrlLength }),
        });
  if (plan.mode === 'full') return readAll(client, input.fetch);
  const limit = pLimit(input.concurrency);
  const pages = await Promise.all(plan.chunks.map((chunk) => limit(() => client.getProductsByIds(chunk, input.fetch))));
  const wanted = new Set(input.ids);
  return { mode: 'batched', products: pages.flat().filter((p) => wanted.has(p.id)), requests: plan.chunks.length, catalogTotal: undefined };
}

async function readAll(client: BigCommerceClient, fetch: IncludeOptions): Promise<ProductRead> {
  const products: Product[] = [];
  let page = 1;
  let total: number;
  for (;;) {
    const r = await client.listProducts({ page, limit: FULL_SYNC_PAGE_SIZE, ...fetch });
    products.push(...r.products);
    total = r.pagination.total;
    if (r.products.length === 0 || page >= r.pagination.total_pages) break;
    page++;
  }
  return { mode: 'full', products, requests: page, catalogTotal: total };
}
