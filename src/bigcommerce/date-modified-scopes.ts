/**
 * Which webhook scopes announce a change that moves the product's `date_modified`, so that a read
 * whose `date_modified` is older than such an event can be told apart as stale (eventual consistency).
 *
 * What the documentation says (bigcommerce/docs, reference/catalog/products_catalog.v3.yml and
 * docs/integrations/webhooks/events): `date_modified` is "The date on which the product was
 * modified", read-only; `store/product/updated` fires when one of the product's own fields changes
 * (reference §2.3) and `store/product/created` when it is created. Nothing documents that inventory
 * (`store/product/inventory/*`, `store/sku/inventory/*`), variant/SKU (`store/sku/*`), shared
 * modifier (`store/modifier/updated`) or metafield changes move the PRODUCT's `date_modified`:
 * variants, inventory and metafields are their own resources, and measured traffic shows most such
 * events arrive for products whose `date_modified` stayed put. So only the two product scopes count.
 *
 * Even for those, a save that changes nothing, or an inventory level change on a tracked product
 * (which fires store/product/updated, §2.3), may not move it. That is why the sync re-reads a
 * product that looks stale at most ONCE and then takes the read (see category-sync/stale-read.ts).
 */
export const DATE_MODIFIED_SCOPES: readonly string[] = ['store/product/created', 'store/product/updated'];

export function movesDateModified(scope: string): boolean {
  return DATE_MODIFIED_SCOPES.includes(scope);
}
