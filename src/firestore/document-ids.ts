/**
 * Document ids shared by several collections. Part of the stored data: changing one orphans every
 * existing document.
 */

/** `pendingProducts` and `givenUp`: one document per store + product (`{storeHash}_{productId}`). */
export const pendingDocId = (storeHash: string, productId: number) => `${storeHash}_${productId}`;
