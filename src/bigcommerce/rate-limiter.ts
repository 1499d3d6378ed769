import { pino } from 'pino';
import { systemClock, type Clock } from '../clock.ts';
import { AppError, ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';

/**
 * Client-side pacing for one store's BigCommerce request quota.
 *
 * BigCommerce gives each store a quota per window (150 / 30 s on Standard) that is SHARED by every
 * app and API account on the store, and reports it on every response:
 *   X-Rate-Limit-Time-Window-Ms, X-Rate-Limit-Time-Reset-Ms (ms until refill),
 *   X-Rate-Limit-Requests-Quota, X-Rate-Limit-Requests-Left, and on 429 X-Retry-After (seconds).
 * Clients that keep sending after a 429 are treated as abusive, so we pace BEFORE the 429:
 *
 * - `acquire()` before every request. It waits until the window resets when the last known
 *   `left`, minus the requests this instance has in flight, is at or below `reserve` (room left for
 *   the store's other apps). In-flight requests count because their cost is not yet in any header.
 * - `update(headers)` after every non-429 response; `onRateLimited(headers)` after a 429, which
 *   blocks every caller of this limiter for the longer of Reset-Ms and X-Retry-After, escalating
 *   exponentially (with jitter) on repeated 429s; a 429 without rate-limit headers means platform
 *   overload and gets exponential backoff alone.
 * - `release()` exactly once per `acquire()`, after `update`/`onRateLimited` (same tick), or alone
 *   when the request produced no response (network error, timeout).
 *
 * One limiter per store per process: share it across every client and flush for that store
 * (`createRateLimiterRegistry`). Instances on other machines are not coordinated, but they read the
 * same shared headers, so each one backs off as the store's `left` drops.
 *
 * Before the first response for a store nothing is known and requests are not paced: at most the
 * callers' concurrency goes out blind. After the known reset time has passed we assume a fresh
 * window (left = quota) until a response says otherwise.
 */

/** Anything with `get(name)`: the fetch `Headers`, or a test double. Names are case-insensitive there. */
export interface HeaderSource {
  get(name: string): string | null;
}

export interface RateLimiterOptions {
  storeHash: string;
  clock?: Clock;
  logger?: Logger;
  /** Requests of the window left for other apps on the store (default 5). */
  reserve?: number;
  /** Up to this much random extra wait after a reset time, so waiters do not all fire at once (default 100). */
  jitterMs?: number;
  /** First backoff after a header-less 429, doubled per repeat (default 1000). */
  backoffBaseMs?: number;
  /** Longest single backoff (default 30_000, one BigCommerce window). */
  backoffMaxMs?: number;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
}

export interface RateLimiterStats {
  /** Sleeps taken in `acquire` (one per log line 'bigcommerce rate limit wait'). */
  waits: number;
  waitedMs: number;
  /** 429 responses seen. */
  rateLimited: number;
}

export interface AcquireOptions {
  /** Clock time after which the caller gives up: a wait that would end later throws BC_BUDGET_EXCEEDED at once. */
  deadlineMs?: number;
}

/** What the limiter believes about the current window; exposed for tests and diagnostics. */
export interface RateLimiterSnapshot {
  left: number | undefined;
  quota: number | undefined;
  windowMs: number | undefined;
  resetAtMs: number | undefined;
  /** true when `left`/`resetAtMs` were rolled forward by us rather than read from a header. */
  estimated: boolean;
  inFlight: number;
  penaltyUntilMs: number;
  consecutiveRateLimited: number;
}

const H_WINDOW = 'x-rate-limit-time-window-ms';
const H_RESET = 'x-rate-limit-time-reset-ms';
const H_QUOTA = 'x-rate-limit-requests-quota';
const H_LEFT = 'x-rate-limit-requests-left';
const H_RETRY_AFTER = 'x-retry-after';

/** A non-negative finite number from a header, else undefined (absent, empty, garbage). */
function num(headers: HeaderSource, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export interface ParsedRateLimitHeaders {
  windowMs: number | undefined;
  resetMs: number | undefined;
  quota: number | undefined;
  left: number | undefined;
  retryAfterMs: number | undefined;
}

export function parseRateLimitHeaders(headers: HeaderSource): ParsedRateLimitHeaders {
  const retryAfterS = num(headers, H_RETRY_AFTER);
  return {
    windowMs: num(headers, H_WINDOW),
    resetMs: num(headers, H_RESET),
    quota: num(headers, H_QUOTA),
    left: num(headers, H_LEFT),
    retryAfterMs: retryAfterS === undefined ? undefined : retryAfterS * 1000,
  };
}

export class RateLimiter {
  readonly storeHash: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly reserve: number;
  private readonly jitterMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly random: () => number;

  private left: number | undefined;
  private quota: number | undefined;
  private windowMs: number | undefined;
  private resetAtMs: number | undefined;
  private estimated = false;
  private inFlight = 0;
  private penaltyUntilMs = 0;
  private consecutiveRateLimited = 0;
  private readonly counters: RateLimiterStats = { waits: 0, waitedMs: 0, rateLimited: 0 };

  constructor(opts: RateLimiterOptions) {
    this.storeHash = opts.storeHash;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.reserve = opts.reserve ?? 5;
    this.jitterMs = opts.jitterMs ?? 100;
    this.backoffBaseMs = opts.backoffBaseMs ?? 1000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 30_000;
    this.random = opts.random ?? Math.random;
  }

  /**
   * Resolves when one request may be sent, and counts it as in flight until `release()`.
   * Throws AppError BC_BUDGET_EXCEEDED (retryable) without waiting when the wait would end after
   * `deadlineMs`, so a flush can give the work back instead of sitting on it.
   */
  async acquire(opts: AcquireOptions = {}): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const waitMs = this.requiredWaitMs(now);
      if (waitMs <= 0) {
        this.inFlight++;
        return;
      }
      if (opts.deadlineMs !== undefined && now + waitMs > opts.deadlineMs) {
        throw new AppError(ErrorCode.BC_BUDGET_EXCEEDED, 'BigCommerce rate limit wait exceeds the request budget', {
          retryable: true,
          details: { storeHash: this.storeHash, waitMs, remainingMs: Math.max(0, opts.deadlineMs - now) },
        });
      }
      this.counters.waits++;
      this.counters.waitedMs += waitMs;
      this.log.info({ storeHash: this.storeHash, waitMs }, 'bigcommerce rate limit wait');
      await this.clock.sleep(waitMs);
      // Re-check: a 429 seen meanwhile, or the other waiters that woke first, may change the answer.
    }
  }

  /** Ends the in-flight accounting of one `acquire()`. */
  release(): void {
    if (this.inFlight > 0) this.inFlight--;
  }

  /** Records the rate-limit headers of a non-429 response (no-op for headers that are absent). */
  update(headers: HeaderSource, nowMs: number = this.clock.now()): void {
    // A success from a request sent after the last penalty ended breaks the 429 streak; one that
    // was already in flight when the 429 arrived says nothing about whether the 429 has passed.
    if (nowMs >= this.penaltyUntilMs) this.consecutiveRateLimited = 0;
    this.applyHeaders(parseRateLimitHeaders(headers), nowMs, false);
  }

  /**
   * Records a 429 and blocks every caller of this limiter until it has passed. Returns how long
   * from now `acquire()` will wait, so a caller can check it against its budget.
   */
  onRateLimited(headers: HeaderSource, nowMs: number = this.clock.now()): number {
    this.counters.rateLimited++;
    const h = parseRateLimitHeaders(headers);
    // Every request sent after a penalty was set waits it out, so a 429 arriving while one is
    // active came from a request already in flight: it is the same episode, not a repeat.
    const sameEpisode = nowMs < this.penaltyUntilMs;
    if (!sameEpisode) this.consecutiveRateLimited++;
    const n = Math.max(1, this.consecutiveRateLimited);
    const exponentialMs = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (n - 1));
    const jitteredExponentialMs = exponentialMs * (0.5 + 0.5 * this.random());
    const headerWaitMs = h.resetMs === undefined && h.retryAfterMs === undefined ? undefined : Math.max(h.resetMs ?? 0, h.retryAfterMs ?? 0);

    let waitMs: number;
    if (headerWaitMs === undefined && sameEpisode) {
      // Another in-flight request of the same overload: the backoff already set is the guess.
      return this.penaltyUntilMs - nowMs;
    } else if (headerWaitMs === undefined) {
      // No quota headers: BigCommerce says the platform or store is overloaded; back off blind.
      waitMs = jitteredExponentialMs;
    } else {
      this.applyHeaders({ ...h, left: h.left ?? 0 }, nowMs, true);
      const honoured = headerWaitMs + this.random() * this.jitterMs;
      waitMs = n > 1 ? Math.max(honoured, jitteredExponentialMs) : honoured;
    }
    waitMs = Math.ceil(waitMs);
    this.penaltyUntilMs = Math.max(this.penaltyUntilMs, nowMs + waitMs);
    return this.penaltyUntilMs - nowMs;
  }

  stats(): RateLimiterStats {
    return { ...this.counters };
  }

  snapshot(): RateLimiterSnapshot {
    return {
      left: this.left,
      quota: this.quota,
      windowMs: this.windowMs,
      resetAtMs: this.resetAtMs,
      estimated: this.estimated,
      inFlight: this.inFlight,
      penaltyUntilMs: this.penaltyUntilMs,
      consecutiveRateLimited: this.consecutiveRateLimited,
    };
  }

  /** 0 when a request may go now, else how long to sleep before asking again. */
  private requiredWaitMs(now: number): number {
    if (now < this.penaltyUntilMs) return this.penaltyUntilMs - now;
    this.rollWindow(now);
    if (this.left === undefined || this.resetAtMs === undefined || now >= this.resetAtMs) return 0;
    if (this.left - this.inFlight > this.effectiveReserve()) return 0;
    return Math.ceil(this.resetAtMs - now + this.random() * this.jitterMs);
  }

  /** A reserve at or above the quota would lock us out for good: never keep more than half of it back. */
  private effectiveReserve(): number {
    return this.quota === undefined ? this.reserve : Math.min(this.reserve, Math.floor(this.quota / 2));
  }

  /** Once the known reset time has passed, assume a fresh window until a header says otherwise. */
  private rollWindow(now: number): void {
    if (this.resetAtMs === undefined || now < this.resetAtMs) return;
    if (this.windowMs === undefined || this.windowMs <= 0 || this.quota === undefined) {
      this.left = undefined;
      this.resetAtMs = undefined;
      this.estimated = false;
      return;
    }
    const windows = Math.floor((now - this.resetAtMs) / this.windowMs) + 1;
    this.resetAtMs += windows * this.windowMs;
    this.left = this.quota;
    this.estimated = true;
  }

  private applyHeaders(h: ParsedRateLimitHeaders, nowMs: number, authoritative: boolean): void {
    if (h.windowMs !== undefined && h.windowMs > 0) this.windowMs = h.windowMs;
    if (h.quota !== undefined) this.quota = h.quota;
    if (h.left === undefined || h.resetMs === undefined) return;
    const resetAtMs = nowMs + h.resetMs;
    this.rollWindow(nowMs);
    const current = this.resetAtMs;
    // Responses of concurrent requests arrive in any order. Reset times within half a window of
    // each other belong to the same window, where `left` only goes down: keep the smallest. A
    // header whose window ends clearly before the one we know is a late answer from an older
    // window and is ignored, unless what we know is our own estimate.
    const toleranceMs = (this.windowMs ?? 2000) / 2;
    if (authoritative || current === undefined || this.estimated || resetAtMs > current + toleranceMs) {
      this.left = h.left;
      this.resetAtMs = resetAtMs;
      this.estimated = false;
    } else if (resetAtMs >= current - toleranceMs) {
      this.left = Math.min(this.left ?? h.left, h.left);
      this.resetAtMs = Math.max(current, resetAtMs);
    }
  }
}

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  return new RateLimiter(opts);
}

export interface RateLimiterRegistry {
  /** The one REST limiter for this store in this process (created on first use). */
  forStore(storeHash: string): RateLimiter;
  /**
   * The store's GraphQL Admin limiter: a separate key, because GraphQL responses report their own
   * quota in the same X-Rate-Limit-* headers and must not move the REST limiter's state.
   */
  forStoreGraphql(storeHash: string): RateLimiter;
}

export function createRateLimiterRegistry(opts: Omit<RateLimiterOptions, 'storeHash'> = {}): RateLimiterRegistry {
  const limiters = new Map<string, RateLimiter>();
  const get = (key: string, storeHash: string) => {
    let limiter = limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter({ ...opts, storeHash });
      limiters.set(key, limiter);
    }
    return limiter;
  };
  return {
    forStore: (storeHash) => get(`rest\n${storeHash}`, storeHash),
    forStoreGraphql: (storeHash) => get(`graphql\n${storeHash}`, storeHash),
  };
}
