import { z } from 'zod';

/**
 * A catalog product as `GET /v3/catalog/products` returns it (reference §4.2). Only `id` is
 * required: `include_fields` trims everything else. The fields rules use are typed; any other field
 * passes through untouched (loose object), so a field BigCommerce adds never fails a fetch.
 * Enumerations stay plain strings for the same reason.
 */
export const ProductSchema = z.looseObject({
  id: z.number().int(),
  name: z.string().optional(),
  sku: z.string().optional(),
  type: z.string().optional(),
  price: z.number().optional(),
  /** 0 means "no sale price". */
  sale_price: z.number().optional(),
  retail_price: z.number().optional(),
  cost_price: z.number().optional(),
  calculated_price: z.number().optional(),
  categories: z.array(z.number().int()).optional(),
  brand_id: z.number().int().optional(),
  inventory_level: z.number().optional(),
  inventory_tracking: z.string().optional(),
  is_visible: z.boolean().optional(),
  is_featured: z.boolean().optional(),
  availability: z.string().optional(),
  custom_fields: z.array(z.looseObject({ name: z.string(), value: z.string() })).optional(),
  /** ISO-8601 with offset, e.g. 2018-09-05T20:42:07+00:00. */
  date_created: z.string().optional(),
  date_modified: z.string().optional(),
});
export type Product = z.infer<typeof ProductSchema>;

/** `meta.pagination` of v3 collections; `links` are query strings such as `?limit=50&page=2`. */
export const PaginationSchema = z.looseObject({
  total: z.number().int(),
  count: z.number().int(),
  per_page: z.number().int(),
  current_page: z.number().int(),
  total_pages: z.number().int(),
  links: z.looseObject({ previous: z.string().optional(), current: z.string().optional(), next: z.string().optional() }).optional(),
});
export type Pagination = z.infer<typeof PaginationSchema>;

export const ProductListResponseSchema = z.looseObject({
  data: z.array(ProductSchema),
  meta: z.looseObject({ pagination: PaginationSchema }),
});
export type ProductListResponse = z.infer<typeof ProductListResponseSchema>;

export const ProductResponseSchema = z.looseObject({ data: ProductSchema });

/** The error body of v3 endpoints: `{ status, title, type, errors? }` (errors keyed by field or index on 422). */
export const ErrorBodySchema = z.looseObject({
  status: z.number().optional(),
  title: z.string().optional(),
  type: z.string().optional(),
  detail: z.string().optional(),
  errors: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
