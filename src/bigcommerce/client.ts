import { pino } from 'pino';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.ts';
import { AppError, isAppError, ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { ErrorBodySchema, type ErrorBody } from './product.ts';
import { RateLimiter } from './rate-limiter.ts';

/**
 * The transport to one BigCommerce store: auth, rate-limit pacing (rate-limiter.ts), retries, typed
 * errors, GraphQL, and URLs. It knows no resource: catalog reads (catalog.ts), category
 * assignments (category-assignments.ts) and webhooks (webhooks.ts) are modules on top of it, and a
 * new API (orders, ...) is one more such module. Paths are appended to `${apiUrl}/stores/${storeHash}` by plain concatenation, so
 * `requestUrl(p)` is byte for byte what is sent (see catalog-paths.ts for the query form).
 *
 * Retry contract of one logical call (`request` and everything built on it), all waits on the Clock
 * and all inside `requestBudgetMs` measured from the call's start:
 * - 429: wait as the shared limiter says (longer of Reset-Ms / X-Retry-After, escalating on
 *   repeats), then again; when that wait would end past the budget -> BC_RATE_LIMITED (retryable).
 *   "Past the budget" means: leaving less than min(1 s, requestTimeoutMs, budget/4) for the attempt
 *   after the wait, which would otherwise be doomed to time out.
 * - 5xx, 408, 423 and network errors/timeouts: exponential backoff with full jitter
 *   (`retryBaseMs` doubling up to `retryMaxMs`); when the next wait would end past the budget ->
 *   BC_SERVER_ERROR / BC_NETWORK (retryable).
 * - A pacing wait (quota nearly used) that would end past the budget -> BC_BUDGET_EXCEEDED
 *   (retryable), or the error of the previous failed attempt when there was one.
 * - 401/403 BC_UNAUTHORIZED, 404 BC_NOT_FOUND, other 4xx BC_BAD_REQUEST: never retried.
 * Every method is retried, POST included: our writes are idempotent (category-assignment PUT/DELETE)
 * and the only POST is GraphQL, whose webhook mutations a reconcile re-run tolerates
 * (a repeated create answers AlreadyExistsError).
 * The access token goes only into the X-Auth-Token header: it is never logged nor put in errors.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface BigCommerceClientOptions {
  /** e.g. https://api.bigcommerce.com or the sandbox URL; a trailing slash is ignored. */
  apiUrl: string;
  storeHash: string;
  accessToken: string;
  clock?: Clock;
  logger?: Logger;
  /** Total time one logical call may spend, retries and waits included (default 60_000). */
  requestBudgetMs?: number;
  /** Per-attempt timeout (default 30_000), never beyond what is left of the budget. */
  requestTimeoutMs?: number;
  /** Backoff for 5xx/network: full jitter over min(retryMaxMs, retryBaseMs * 2^(n-1)) (defaults 250 / 10_000). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Shared per store across clients and flushes in this process; a private one when omitted. */
  rateLimiter?: RateLimiter;
  /**
   * Paces GraphQL Admin calls. GraphQL reports its own, much larger quota under the same header
   * names (X-Rate-Limit-Requests-Left in the millions), so its responses must never feed the REST
   * limiter (`rateLimiter`); they pace this one instead. A private one when omitted.
   */
  graphqlRateLimiter?: RateLimiter;
  fetch?: typeof fetch;
  userAgent?: string;
  /** Jitter source in [0, 1) for retry backoff (default Math.random). */
  random?: () => number;
}

export interface BigCommerceResponse<T> {
  status: number;
  /** Parsed JSON; undefined for an empty body (204). */
  body: T;
  headers: Headers;
}

export interface GraphqlError {
  message: string;
  path?: unknown;
  [key: string]: unknown;
}

export interface GraphqlResponse<T> {
  data?: T;
  errors?: GraphqlError[];
}

export interface RequestOptions {
  /**
   * Cancels the call: an attempt in flight is aborted, no retry or wait follows, and the call
   * rejects with AppError BC_ABORTED (retryable). A sync whose chunk failed cancels its other reads.
   */
  signal?: AbortSignal | undefined;
}

export interface BigCommerceClient {
  readonly storeHash: string;
  /** `pathAndQuery` follows `/stores/{hash}`, e.g. '/v3/catalog/products?id:in=1,2'. Throws AppError BC_* (see above). */
  request<T>(method: HttpMethod, pathAndQuery: string, body?: unknown, opts?: RequestOptions): Promise<BigCommerceResponse<T>>;
  /** `request` plus a schema check of the success body (AppError BC_INVALID_RESPONSE, retryable, when it does not fit). */
  requestParsed<S extends z.ZodType>(method: HttpMethod, pathAndQuery: string, schema: S, body?: unknown, opts?: RequestOptions): Promise<z.infer<S>>;
  /** POST /stores/{hash}/graphql (not under /v3). GraphQL-level errors are returned, HTTP-level ones thrown. */
  graphql<T>(query: string, variables?: Record<string, unknown>): Promise<GraphqlResponse<T>>;
  /** The exact URL a request for `pathAndQuery` is sent to (the chunkers measure its length). */
  requestUrl(pathAndQuery: string): string;
}

const GraphqlResponseSchema = z.looseObject({
  data: z.unknown().optional(),
  errors: z.array(z.looseObject({ message: z.string(), path: z.unknown().optional() })).optional(),
});

type Failure = { kind: 'rate_limited'; status: 429 } | { kind: 'server'; status: number; title: string | undefined } | { kind: 'network'; reason: string };

const RETRYABLE_4XX = new Set([408, 423]);
const BAD_REQUEST_MESSAGE = 'BigCommerce rejected the request';

/** The error name/code of a fetch failure, e.g. 'TimeoutError', 'ECONNREFUSED', 'UND_ERR_SOCKET'. */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; name?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const name = (e as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && name !== 'TypeError' && name !== 'Error') return name;
  if (typeof cause?.name === 'string') return cause.name;
  return e instanceof Error ? e.message : String(e);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The error for a call that ran out of budget after `failure` (its last failed attempt). */
function exhausted(storeHash: string, failure: Failure | undefined, ctx: Record<string, unknown>, cause?: unknown): AppError {
  const o = { retryable: true, cause, details: { storeHash, ...ctx } };
  if (!failure) return new AppError(ErrorCode.BC_BUDGET_EXCEEDED, 'BigCommerce request budget exceeded', o);
  switch (failure.kind) {
    case 'rate_limited':
      return new AppError(ErrorCode.BC_RATE_LIMITED, 'BigCommerce still rate limited after the request budget', { ...o, details: { ...o.details, status: 429 } });
    case 'server':
      return new AppError(ErrorCode.BC_SERVER_ERROR, 'BigCommerce server error after the request budget', {
        ...o,
        details: { ...o.details, status: failure.status, title: failure.title },
      });
    case 'network':
      return new AppError(ErrorCode.BC_NETWORK, 'BigCommerce unreachable after the request budget', { ...o, details: { ...o.details, reason: failure.reason } });
  }
}

/** The error of a 4xx that retrying cannot fix, with BigCommerce's title/type/errors (or the body's start) in details. */
function refusal(status: number, text: string, eb: ErrorBody | undefined, ctx: Record<string, unknown>): AppError {
  const details = { ...ctx, status, title: eb?.title, type: eb?.type, errors: eb?.errors, ...(eb ? {} : { bodyStart: text.slice(0, 200) }) };
  if (status === 401 || status === 403) return new AppError(ErrorCode.BC_UNAUTHORIZED, 'BigCommerce refused the access token', { details });
  if (status === 404) return new AppError(ErrorCode.BC_NOT_FOUND, 'BigCommerce resource not found', { details });
  return new AppError(ErrorCode.BC_BAD_REQUEST, BAD_REQUEST_MESSAGE, { details });
}

// eslint-disable-next-line max-lines-per-function -- the transport's one closure: request (the retry loop), requestParsed and graphql share the store's base URL, pacing and budget
export function createBigCommerceClient(opts: BigCommerceClientOptions): BigCommerceClient {
  const { storeHash, accessToken } = opts;
  const base = `${opts.apiUrl.replace(/\/+$/, '')}/stores/${storeHash}`;
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? pino({ level: 'silent' });
  const budgetMs = opts.requestBudgetMs ?? 60_000;
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const retryBaseMs = opts.retryBaseMs ?? 250;
  const retryMaxMs = opts.retryMaxMs ?? 10_000;
  const random = opts.random ?? Math.random;
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const restLimiter = opts.rateLimiter ?? new RateLimiter({ storeHash, clock, logger: log });
  const graphqlLimiter = opts.graphqlRateLimiter ?? new RateLimiter({ storeHash, clock, logger: log });
  const userAgent = opts.userAgent ?? 'bc-webhook-consumer';
  const attemptReserveMs = Math.min(1_000, timeoutMs, Math.floor(budgetMs / 4));

  const requestUrl = (pathAndQuery: string): string => `${base}${pathAndQuery}`;

  /** One logical call paced by `limiter` (REST or GraphQL: see graphqlRateLimiter). */
  async function send<T>(limiter: RateLimiter, method: HttpMethod, pathAndQuery: string, body?: unknown, reqOpts: RequestOptions = {}): Promise<BigCommerceResponse<T>> {
    const signal = reqOpts.signal;
    const url = requestUrl(pathAndQuery);
    const path = pathAndQuery.split('?')[0];
    const headers: Record<string, string> = { 'X-Auth-Token': accessToken, Accept: 'application/json', 'User-Agent': userAgent };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    const startMs = clock.now();
    const deadlineMs = startMs + budgetMs;
    // No wait may end so close to the deadline that the attempt after it has no time left to run
    // (it would only time out and report a misleading BC_NETWORK).
    const lastStartMs = deadlineMs - attemptReserveMs;
    let attempts = 0;
    let backoffs = 0;
    let last: Failure | undefined;
    const ctx = () => ({ method, path, attempts, elapsedMs: clock.now() - startMs });
    const aborted = () => new AppError(ErrorCode.BC_ABORTED, 'BigCommerce request cancelled', { retryable: true, details: { storeHash, ...ctx() } });

    /** Sleeps before the next attempt, or throws when that sleep would end past the budget. */
    const backOff = async (failure: Failure, cause?: unknown) => {
      last = failure;
      backoffs++;
      const delayMs = Math.floor(random() * Math.min(retryMaxMs, retryBaseMs * 2 ** (backoffs - 1)));
      if (clock.now() + delayMs > lastStartMs) throw exhausted(storeHash, failure, ctx(), cause);
      log.warn({ storeHash, method, path, attempt: attempts, delayMs, ...failure }, 'bigcommerce request retry');
      try {
        await clock.sleep(delayMs, signal);
      } catch {
        throw aborted();
      }
    };

    for (;;) {
      if (signal?.aborted) throw aborted();
      try {
        await limiter.acquire({ deadlineMs: lastStartMs });
      } catch (e) {
        if (isAppError(e, ErrorCode.BC_BUDGET_EXCEEDED)) throw exhausted(storeHash, last, { ...ctx(), ...e.details }, e);
        throw e;
      }
      attempts++;
      let res: Response;
      let text: string;
      try {
        const remainingMs = deadlineMs - clock.now();
        const timeout = AbortSignal.timeout(Math.max(1, Math.min(timeoutMs, remainingMs)));
        res = await fetchFn(url, { method, headers, body: payload, signal: signal ? AbortSignal.any([timeout, signal]) : timeout });
        text = await res.text();
      } catch (e) {
        limiter.release();
        if (signal?.aborted) throw aborted();
        await backOff({ kind: 'network', reason: networkReason(e) }, e);
        continue;
      }

      if (res.status === 429) {
        const waitMs = limiter.onRateLimited(res.headers);
        limiter.release();
        last = { kind: 'rate_limited', status: 429 };
        if (clock.now() + waitMs > lastStartMs) throw exhausted(storeHash, last, { ...ctx(), waitMs });
        continue;
      }
      limiter.update(res.headers);
      limiter.release();

      const parsed = parseJson(text);
      if (res.status >= 200 && res.status < 300) {
        if (!parsed.ok) {
          throw new AppError(ErrorCode.BC_INVALID_RESPONSE, 'BigCommerce answered with a body that is not JSON', {
            retryable: true,
            details: { storeHash, ...ctx(), status: res.status, bodyStart: text.slice(0, 200) },
          });
        }
        return { status: res.status, body: parsed.value as T, headers: res.headers };
      }

      const errorBody = parsed.ok ? ErrorBodySchema.safeParse(parsed.value) : undefined;
      const eb = errorBody?.success ? errorBody.data : undefined;
      if (res.status >= 500 || RETRYABLE_4XX.has(res.status)) {
        await backOff({ kind: 'server', status: res.status, title: eb?.title });
        continue;
      }
      throw refusal(res.status, text, eb, { storeHash, ...ctx() });
    }
  }

  const request = <T>(method: HttpMethod, pathAndQuery: string, body?: unknown, reqOpts?: RequestOptions) => send<T>(restLimiter, method, pathAndQuery, body, reqOpts);

  /** Parses a success body, or AppError BC_INVALID_RESPONSE (retryable: a proxy page, a partial deploy). */
  function parseBody<S extends z.ZodType>(schema: S, value: unknown, path: string): z.infer<S> {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    throw new AppError(ErrorCode.BC_INVALID_RESPONSE, 'BigCommerce response has an unexpected shape', {
      retryable: true,
      details: { storeHash, path, issues: r.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }

  return {
    storeHash,
    request,
    requestUrl,

    async requestParsed(method, pathAndQuery, schema, body, reqOpts) {
      const res = await request<unknown>(method, pathAndQuery, body, reqOpts);
      return parseBody(schema, res.body, pathAndQuery.split('?')[0] ?? pathAndQuery);
    },

    async graphql<T>(query: string, variables?: Record<string, unknown>) {
      const res = await send<unknown>(graphqlLimiter, 'POST', '/graphql', variables === undefined ? { query } : { query, variables });
      const body = parseBody(GraphqlResponseSchema, res.body, '/graphql');
      const out: GraphqlResponse<T> = {};
      if (body.data !== undefined && body.data !== null) out.data = body.data as T;
      if (body.errors !== undefined) out.errors = body.errors;
      return out;
    },
  };
}
