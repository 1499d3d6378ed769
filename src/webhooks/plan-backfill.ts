/**
 * When a reconcile queues products changed during a delivery gap, and since when (pure).
 *
 * The watermark is what the service has covered: the newest event seen (`lastEventAt`, kept by the
 * flusher), the installation (its first full sync covered everything before it) and the last
 * backfill, whichever is newest. Two triggers:
 * - `gap`: reconcile found our hooks inactive or missing on a store it had reconciled before; the gap
 *   is recorded durably (`webhookGapSince`) and healed once every desired hook is active again,
 *   from the gap start minus a safety margin. While the hooks cannot be fixed (permission removed)
 *   the gap stays open.
 * - `silence`: nothing has covered the store for longer than BACKFILL_SILENCE_HOURS. This also
 *   catches gaps reconcile never saw (hooks deactivated and re-enabled by someone else in between)
 *   and keeps a store whose hooks cannot be fixed up to date by polling. For a quiet store it costs
 *   one list request per silence period (the backfill moves the watermark).
 * The margin absorbs clock skew between BigCommerce's date_modified and our clock, and debounce.
 */
export interface BackfillInput {
  nowMs: number;
  silenceMs: number;
  marginMs: number;
  lastEventAtMs: number | undefined;
  installedAtMs: number | undefined;
  lastBackfillAtMs: number | undefined;
  /** Open gap start (after this reconcile recorded what it saw), if any. */
  gapSinceMs: number | undefined;
  /** Every desired scope has an active hook of ours after this reconcile. */
  allActive: boolean;
}

export type BackfillDecision =
  | { kind: 'none' }
  | {
      kind: 'backfill';
      reason: 'gap' | 'silence';
      /** `date_modified:min`. */
      sinceMs: number;
      /** What happens to the open gap once the products are queued. */
      gapAfter: 'closed' | 'advanced' | 'none';
    };

export function coveredUntilMs(i: Pick<BackfillInput, 'lastEventAtMs' | 'installedAtMs' | 'lastBackfillAtMs'>): number | undefined {
  const marks = [i.lastEventAtMs, i.installedAtMs, i.lastBackfillAtMs].filter((m): m is number => m !== undefined);
  return marks.length > 0 ? Math.max(...marks) : undefined;
}

export function planBackfill(i: BackfillInput): BackfillDecision {
  const gapAfter = i.gapSinceMs === undefined ? 'none' : i.allActive ? 'closed' : 'advanced';
  if (i.gapSinceMs !== undefined && i.allActive) return { kind: 'backfill', reason: 'gap', sinceMs: i.gapSinceMs - i.marginMs, gapAfter };
  const covered = coveredUntilMs(i);
  if (covered !== undefined && i.nowMs - covered > i.silenceMs) {
    const from = i.gapSinceMs === undefined ? covered : Math.min(covered, i.gapSinceMs);
    return { kind: 'backfill', reason: 'silence', sinceMs: from - i.marginMs, gapAfter };
  }
  return { kind: 'none' };
}
