import { describe, expect, it } from 'vitest';
import { planBackfill, coveredUntilMs, type BackfillInput } from '../../../src/webhooks/plan-backfill.ts';

const H = 3_600_000;
const NOW = 1_000 * H;
const base: BackfillInput = { nowMs: NOW, silenceMs: 24 * H, marginMs: 5 * 60_000, lastEventAtMs: NOW - H, installedAtMs: NOW - 100 * H, lastBackfillAtMs: undefined, gapSinceMs: undefined, allActive: true };
const M = base.marginMs;

describe('planBackfill', () => {
  it.each([
    ['all quiet, hooks fine', {}, { kind: 'none' }],
    ['gap open and hooks active again -> backfill from the gap start, close it', { gapSinceMs: NOW - 3 * H }, { kind: 'backfill', reason: 'gap', sinceMs: NOW - 3 * H - M, gapAfter: 'closed' }],
    ['gap open, hooks still failing, not silent yet -> wait', { gapSinceMs: NOW - 3 * H, allActive: false }, { kind: 'none' }],
    [
      'gap open, hooks still failing, silent too long -> poll from the older mark, advance the gap',
      { gapSinceMs: NOW - 30 * H, lastEventAtMs: NOW - 30 * H, allActive: false },
      { kind: 'backfill', reason: 'silence', sinceMs: NOW - 30 * H - M, gapAfter: 'advanced' },
    ],
    ['silent longer than the threshold, hooks active -> backfill since the newest mark', { lastEventAtMs: NOW - 50 * H, installedAtMs: NOW - 60 * H }, { kind: 'backfill', reason: 'silence', sinceMs: NOW - 50 * H - M, gapAfter: 'none' }],
    ['a recent backfill counts as covered', { lastEventAtMs: NOW - 50 * H, lastBackfillAtMs: NOW - 2 * H }, { kind: 'none' }],
    ['a recent install counts as covered', { lastEventAtMs: undefined, installedAtMs: NOW - 2 * H }, { kind: 'none' }],
    ['exactly at the threshold is not silent', { lastEventAtMs: NOW - 24 * H, installedAtMs: undefined }, { kind: 'none' }],
    ['nothing known -> no silence backfill', { lastEventAtMs: undefined, installedAtMs: undefined }, { kind: 'none' }],
  ] as [string, Partial<BackfillInput>, ReturnType<typeof planBackfill>][])('%s', (_l, o, want) => {
    expect(planBackfill({ ...base, ...o })).toEqual(want);
  });

  it('coveredUntilMs is the newest mark', () => {
    expect(coveredUntilMs({ lastEventAtMs: 5, installedAtMs: 9, lastBackfillAtMs: 7 })).toBe(9);
    expect(coveredUntilMs({ lastEventAtMs: undefined, installedAtMs: undefined, lastBackfillAtMs: undefined })).toBeUndefined();
  });
});
