/**
 * BigCommerce's per-store quota (reference §5): a fixed window of `windowMs` that starts with the
 * first request after the previous one ended; each request served costs one unit, a 429 costs
 * nothing. Pure apart from the `nowMs` callers pass in.
 */
export interface RateDecision {
  allowed: boolean;
  /** Values for the X-Rate-Limit-* headers after this decision. */
  windowMs: number;
  resetMs: number;
  quota: number;
  left: number;
  /** X-Retry-After in whole seconds (only meaningful when !allowed). */
  retryAfterSeconds: number;
}

export class RateWindow {
  quota: number;
  windowMs: number;
  private windowStartMs: number | undefined;
  private used = 0;

  constructor(quota: number, windowMs: number) {
    this.quota = quota;
    this.windowMs = windowMs;
  }

  private roll(nowMs: number): void {
    if (this.windowStartMs === undefined || nowMs >= this.windowStartMs + this.windowMs) {
      this.windowStartMs = nowMs;
      this.used = 0;
    }
  }

  private decision(nowMs: number, allowed: boolean): RateDecision {
    const resetMs = Math.max(0, (this.windowStartMs ?? nowMs) + this.windowMs - nowMs);
    return {
      allowed,
      windowMs: this.windowMs,
      resetMs,
      quota: this.quota,
      left: Math.max(0, this.quota - this.used),
      retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
    };
  }

  /** Takes one unit if any is left. */
  take(nowMs: number): RateDecision {
    this.roll(nowMs);
    if (this.used >= this.quota) return this.decision(nowMs, false);
    this.used++;
    return this.decision(nowMs, true);
  }

  /** The current state without spending anything (for responses that do not count: 401, 414, injected 429). */
  peek(nowMs: number, allowed = true): RateDecision {
    this.roll(nowMs);
    return this.decision(nowMs, allowed);
  }

  reset(): void {
    this.windowStartMs = undefined;
    this.used = 0;
  }
}
