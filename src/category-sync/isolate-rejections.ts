import { isAppError } from '../errors.ts';

/**
 * BigCommerce answers that retrying cannot fix and that may be the fault of one item in the batch:
 * 400/422 (BC_BAD_REQUEST) and 404 (BC_NOT_FOUND, e.g. a product deleted between read and write).
 * 401/403 concern the whole store and everything retryable (429, 5xx, network) concerns the moment:
 * neither is blamed on an item.
 */
export function isItemRejection(err: unknown): boolean {
  return isAppError(err, 'BC_BAD_REQUEST') || isAppError(err, 'BC_NOT_FOUND');
}

export interface Rejected<T> {
  item: T;
  error: unknown;
}

/**
 * Sends a batch in one call; when BigCommerce rejects it in a way one item can cause, splits it in
 * halves and sends each, down to single items, so a bad item is found and isolated while the rest
 * still goes through. Costs nothing extra on success and about 2·log2(n) calls per bad item.
 * Errors that are not item rejections (see isItemRejection) propagate at once, as from `send`.
 */
export async function sendIsolating<T, R>(items: readonly T[], send: (batch: T[]) => Promise<R[]>, isRejection: (err: unknown) => boolean = isItemRejection): Promise<{ results: R[]; rejected: Rejected<T>[] }> {
  const results: R[] = [];
  const rejected: Rejected<T>[] = [];
  const go = async (batch: T[]): Promise<void> => {
    if (batch.length === 0) return;
    try {
      for (const r of await send(batch)) results.push(r);
    } catch (error) {
      if (!isRejection(error)) throw error;
      if (batch.length === 1) {
        rejected.push({ item: batch[0]!, error });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await go(batch.slice(0, half));
      await go(batch.slice(half));
    }
  };
  await go([...items]);
  return { results, rejected };
}

/** A short, loggable reason for a rejected item (the code and BigCommerce's status/title). */
export function rejectionReason(what: 'read' | 'write', error: unknown): string {
  if (isAppError(error)) {
    const status = error.details?.status;
    const title = error.details?.title;
    return `BigCommerce rejected the ${what} (${error.code}${typeof status === 'number' ? ` ${status}` : ''}${typeof title === 'string' ? `: ${title}` : ''})`;
  }
  return `BigCommerce rejected the ${what}`;
}
