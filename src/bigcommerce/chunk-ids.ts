import { AppError, ErrorCode } from '../errors.ts';

/**
 * Packing product ids into `id:in=` requests that BigCommerce accepts.
 *
 * BigCommerce's `GET /v3/catalog/products` returns at most 250 products per page, and in practice
 * rejects URLs longer than 2048 characters (the seed guide's lesson), so a batch of ids is split by
 * whichever limit bites first. The URL form is the one BigCommerce documents: `id:in=1,2,3` with a
 * literal colon and literal commas, NOT percent-encoded. Length is counted in characters of that
 * exact string, so whoever builds the real URL must use the same unencoded form — build it with
 * {@link buildIdInQuery} so client and chunker cannot disagree. URLs here are ASCII (API host,
 * store hash, field names, digits), so characters and bytes are the same count.
 */

export const DEFAULT_MAX_URL_LENGTH = 2048;
/** BigCommerce's maximum `limit` for catalog collections: more ids than this could not come back on one page. */
export const DEFAULT_MAX_IDS_PER_REQUEST = 250;

export interface ChunkIdsOptions {
  /**
   * The full URL up to and including the filter key and `=`, e.g.
   * `https://api.bigcommerce.com/stores/abc/v3/catalog/products?id:in=`. Other query parameters
   * may come before the ids. Only its length matters.
   */
  urlPrefix: string;
  /**
   * Appended after the ids, e.g. `&limit=250&include_fields=categories,sale_price`. Pass the LONGEST suffix
   * you will send (a `limit=` that varies with the chunk size must be counted at its widest).
   */
  urlSuffix?: string;
  /** Inclusive bound: a chunk's URL length is <= this. Default 2048. */
  maxUrlLength?: number;
  /** Most ids per chunk. Default 250. */
  maxIds?: number;
}

/** `${key}:in=1,2,3` — the exact (unencoded) query fragment the chunker measures. */
export function buildIdInQuery(key: string, ids: readonly number[]): string {
  return `${key}:in=${ids.join(',')}`;
}

function resolveOptions(opts: ChunkIdsOptions): { fixedLength: number; maxUrlLength: number; maxIds: number } {
  const maxUrlLength = opts.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
  const maxIds = opts.maxIds ?? DEFAULT_MAX_IDS_PER_REQUEST;
  if (!Number.isSafeInteger(maxUrlLength) || maxUrlLength < 1) {
    throw new AppError(ErrorCode.FETCH_CHUNK_OPTIONS_INVALID, `maxUrlLength must be a positive integer, got ${String(maxUrlLength)}`);
  }
  if (!Number.isSafeInteger(maxIds) || maxIds < 1) {
    throw new AppError(ErrorCode.FETCH_CHUNK_OPTIONS_INVALID, `maxIds must be a positive integer, got ${String(maxIds)}`);
  }
  return { fixedLength: opts.urlPrefix.length + (opts.urlSuffix ?? '').length, maxUrlLength, maxIds };
}

/**
 * Splits ids into chunks whose URL (`urlPrefix` + ids joined by `,` + `urlSuffix`) stays within
 * `maxUrlLength` and which hold at most `maxIds` ids. Duplicates are dropped (first occurrence
 * kept); order is otherwise preserved; packing is greedy. Empty input gives no chunks.
 *
 * @throws AppError FETCH_ID_INVALID for an id that is not a positive safe integer,
 *   FETCH_ID_TOO_LONG when even a single id does not fit the URL limit,
 *   FETCH_CHUNK_OPTIONS_INVALID for a non-positive limit.
 */
export function chunkIds(ids: readonly number[], opts: ChunkIdsOptions): number[][] {
  const { fixedLength, maxUrlLength, maxIds } = resolveOptions(opts);
  const chunks: number[][] = [];
  let current: number[] = [];
  let currentLength = fixedLength;
  const seen = new Set<number>();
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 1) {
      throw new AppError(ErrorCode.FETCH_ID_INVALID, `product id must be a positive integer, got ${String(id)}`, { details: { id } });
    }
    if (seen.has(id)) continue;
    seen.add(id);
    const idLength = String(id).length;
    if (fixedLength + idLength > maxUrlLength) {
      throw new AppError(ErrorCode.FETCH_ID_TOO_LONG, `id ${id} does not fit in a URL of at most ${maxUrlLength} characters (prefix and suffix take ${fixedLength})`, {
        details: { id, fixedLength, maxUrlLength },
      });
    }
    // A comma precedes every id but the first of a chunk.
    const added = current.length === 0 ? idLength : idLength + 1;
    if (current.length === maxIds || currentLength + added > maxUrlLength) {
      chunks.push(current);
      current = [id];
      currentLength = fixedLength + idLength;
    } else {
      current.push(id);
      currentLength += added;
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The most ids with `sampleIdDigits` digits each that fit one request under `opts` (0 if not even
 * one fits). n ids take n*digits + (n-1) commas, so n = floor((room + 1) / (digits + 1)), capped at
 * `maxIds`. Used to estimate how many id:in calls a batch costs without chunking it.
 */
export function maxIdsPerRequest(opts: ChunkIdsOptions, sampleIdDigits: number): number {
  const { fixedLength, maxUrlLength, maxIds } = resolveOptions(opts);
  if (!Number.isSafeInteger(sampleIdDigits) || sampleIdDigits < 1) {
    throw new AppError(ErrorCode.FETCH_CHUNK_OPTIONS_INVALID, `sampleIdDigits must be a positive integer, got ${String(sampleIdDigits)}`);
  }
  const room = maxUrlLength - fixedLength;
  if (room < sampleIdDigits) return 0;
  return Math.min(maxIds, Math.floor((room + 1) / (sampleIdDigits + 1)));
}
