import { ErrorCode, isAppError } from '../errors.ts';

/**
 * Whether a failed batch write was refused for its SIZE (so a smaller batch may succeed), as
 * opposed to its content. BigCommerce answers an over-long array with 413 ("The request payload is
 * too large. The maximum items allowed in the array is 10." for batch products, reference §4.4);
 * for category assignments no limit and no status is documented [U], so a 422 whose title or
 * errors talk about size counts too. A 422 naming bad entries (unknown product or category) does
 * not: halving would only repeat it.
 */
const SIZE_WORDS = /too large|too many|too long|maximum (?:number of )?items|items allowed|exceed|payload|batch size|array size|limit of \d+/i;

export function isBatchTooLarge(err: unknown): boolean {
  if (!isAppError(err, ErrorCode.BC_BAD_REQUEST)) return false;
  const d = err.details ?? {};
  const status = d.status;
  if (status === 413) return true;
  if (status !== 422) return false;
  const text = [d.title, ...Object.values((d.errors as Record<string, unknown> | undefined) ?? {})].filter((v) => typeof v === 'string').join(' ');
  return SIZE_WORDS.test(text);
}
