import { z } from 'zod';
import { AVAILABILITY, CONDITIONS, INVENTORY_TRACKING, PRODUCT_TYPES } from './types.ts';

const money = z.number().min(0).finite();
const int = z.number().int();

/**
 * The writable product fields (reference §4.2) as the REST API validates them. Read-only fields
 * (id, calculated_price, date_created, date_modified, base_variant_id) and unknown keys are
 * dropped, as BigCommerce ignores them on write.
 */
export const ProductWriteSchema = z
  .object({
    name: z.string().trim().min(1).max(250),
    type: z.enum(PRODUCT_TYPES),
    sku: z.string().max(255),
    description: z.string(),
    weight: money,
    price: money,
    cost_price: money,
    retail_price: money,
    sale_price: money,
    map_price: money,
    tax_class_id: int.min(0),
    brand_id: int.min(0),
    categories: z.array(int.positive()).max(1000),
    inventory_level: int,
    inventory_warning_level: int.min(0),
    inventory_tracking: z.enum(INVENTORY_TRACKING),
    is_visible: z.boolean(),
    is_featured: z.boolean(),
    is_free_shipping: z.boolean(),
    is_price_hidden: z.boolean(),
    availability: z.enum(AVAILABILITY),
    availability_description: z.string(),
    condition: z.enum(CONDITIONS),
    upc: z.string(),
    mpn: z.string(),
    gtin: z.string(),
    search_keywords: z.string(),
    warranty: z.string(),
    sort_order: int,
    total_sold: int.min(0),
    reviews_count: int.min(0),
    view_count: int.min(0),
    custom_fields: z.array(z.object({ id: int.positive().optional(), name: z.string().min(1).max(250), value: z.string().max(255) })).max(200),
    channels: z.array(int.positive()),
  })
  .partial();
export type ProductWrite = z.infer<typeof ProductWriteSchema>;

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date');

/**
 * What the programmatic API and the control plane accept: the REST fields plus the dates, which
 * tests may set explicitly (e.g. to exercise `date_modified:min`).
 */
export const ProductPatchSchema = ProductWriteSchema.extend({ date_created: isoDate, date_modified: isoDate }).partial();
export type ProductPatch = z.infer<typeof ProductPatchSchema>;

/** One item of `PUT /v3/catalog/products`. */
export const ProductBatchItemSchema = ProductWriteSchema.extend({ id: int.positive() });

/** zod issues -> BigCommerce's `errors` object keyed by field path (e.g. `0.price`). */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[], prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) out[`${prefix}${i.path.map(String).join('.')}` || '(body)'] = i.message;
  return out;
}
