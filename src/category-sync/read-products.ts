import type { Catalog } from '../bigcommerce/catalog.ts';
import type { IncludeOptions } from '../bigcommerce/catalog-paths.ts';
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
  concurrency: number;
}

/** The products of `ids` in as few calls as planFetch finds: id:in batches, or every catalog page. */
export async function readProducts(catalog: Catalog, input: ReadProductsInput): Promise<ProductRead> {
  const plan =
    input.mode === 'full'
      ? ({ mode: 'full' } as const)
      : planFetch({ pendingIds: input.ids, catalogTotal: input.catalogTotal, idsPerRequest: (list) => catalog.chunkProductIds(list, input.fetch) });
  if (plan.mode === 'full') return readAll(catalog, input.fetch);
  const { products, requests } = await catalog.readProductsByIds(input.ids, input.fetch, input.concurrency);
  const wanted = new Set(input.ids);
  return { mode: 'batched', products: products.filter((p) => wanted.has(p.id)), requests, catalogTotal: undefined };
}

async function readAll(catalog: Catalog, fetch: IncludeOptions): Promise<ProductRead> {
  const products: Product[] = [];
  let page = 1;
  let total: number;
  for (;;) {
    const r = await catalog.listProducts({ page, limit: FULL_SYNC_PAGE_SIZE, ...fetch });
    products.push(...r.products);
    total = r.pagination.total;
    if (r.products.length === 0 || page >= r.pagination.total_pages) break;
    page++;
  }
  return { mode: 'full', products, requests: page, catalogTotal: total };
}
