import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock } from '../../../src/clock.ts';
import { createSyncScheduler, type RunContext, type StoreSyncRunner } from '../../../src/category-sync/sync-scheduler.ts';
import type { SyncMode, SyncResult } from '../../../src/category-sync/sync-store.ts';

const logger = pino({ level: 'silent' });
const NOT_DUE: SyncResult = { outcome: 'not-due', dueAtMs: undefined };
const tick = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A store sync whose runs the test finishes by hand; it records what ran, in order. */
function controlledRunner() {
  const open = new Map<string, { finish: (r?: SyncResult) => void; fail: (e: Error) => void; ctx: RunContext; mode: SyncMode }>();
  const started: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const runner: StoreSyncRunner = {
    syncStore(storeHash, mode, ctx) {
      started.push(storeHash);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      return new Promise<SyncResult>((resolve, reject) => {
        open.set(storeHash, {
          finish: (r = NOT_DUE) => {
            concurrent--;
            open.delete(storeHash);
            resolve(r);
          },
          fail: (e) => {
            concurrent--;
            open.delete(storeHash);
            reject(e);
          },
          ctx: ctx!,
          mode,
        });
      });
    },
  };
  return { runner, open, started, max: () => maxConcurrent };
}

function scheduler(runner: StoreSyncRunner, clock: ManualClock, extra: { concurrency?: number; sliceMs?: number; stores?: string[] } = {}) {
  return createSyncScheduler({
    categorySync: runner,
    pending: { stores: () => Promise.resolve(extra.stores ?? []) },
    clock,
    logger,
    settings: { windowMs: 1_000, maxWaitMs: 5_000, timers: false, concurrency: extra.concurrency ?? 2, sliceMs: extra.sliceMs ?? 2_000 },
  });
}

describe('fair sync scheduler', () => {
  it('runs at most `concurrency` stores at once, the others in the order they asked', async () => {
    const clock = new ManualClock();
    const c = controlledRunner();
    const s = scheduler(c.runner, clock, { concurrency: 3 });
    const results = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((h, i) => {
      void clock.advance(i);
      return s.run(h);
    });
    await tick();
    expect(c.started).toEqual(['a', 'b', 'c']);
    expect(s.stats()).toMatchObject({ running: 3, queued: 4 });
    c.open.get('b')!.finish();
    await tick();
    expect(c.started).toEqual(['a', 'b', 'c', 'd']);
    for (const h of ['a', 'c', 'd']) c.open.get(h)!.finish();
    await tick();
    for (const h of ['e', 'f', 'g']) c.open.get(h)!.finish();
    expect(await Promise.all(results)).toEqual(Array(7).fill(NOT_DUE));
    expect(c.started).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(c.max()).toBe(3);
  });

  it('abandons a run that outlives maxRunMs: its slot and its store come back, its late end changes nothing', async () => {
    const clock = new ManualClock();
    const c = controlledRunner();
    const s = createSyncScheduler({
      categorySync: c.runner,
      pending: { stores: () => Promise.resolve([]) },
      clock,
      logger,
      settings: { windowMs: 1_000, maxWaitMs: 5_000, timers: false, concurrency: 1, sliceMs: 2_000, maxRunMs: 30 },
    });
    const hung = s.run('a');
    const queued = s.run('b');
    await tick();
    expect(c.started).toEqual(['a']);
    const lateFinish = c.open.get('a')!.finish;
    await expect(hung).rejects.toThrow('sync run abandoned');
    await tick();
    expect(c.started).toEqual(['a', 'b']); // the one slot went to the next store
    expect(s.stats()).toMatchObject({ abandoned: 1, running: 1 });
    c.open.get('b')!.finish();
    expect(await queued).toEqual(NOT_DUE);
    const again = s.run('a'); // the store is runnable again here
    await tick();
    expect(c.started).toEqual(['a', 'b', 'a']);
    const newFinish = c.open.get('a')!.finish;
    lateFinish(); // the hung run ends at last: it must not free the new run's slot or store
    await tick();
    expect(s.stats()).toMatchObject({ running: 1, abandoned: 1 });
    expect(await s.run('a')).toEqual({ outcome: 'busy' });
    newFinish();
    expect(await again).toEqual(NOT_DUE);
    await tick();
    expect(s.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('skips a store that is already running instead of waiting for it', async () => {
    const clock = new ManualClock();
    const c = controlledRunner();
    const s = scheduler(c.runner, clock);
    const first = s.run('big');
    await tick();
    // Resolves at once although the first run is still going.
    expect(await s.run('big')).toEqual({ outcome: 'busy' });
    expect(s.stats().skipped).toBe(1);
    c.open.get('big')!.finish();
    expect(await first).toEqual(NOT_DUE);
  });

  it('joins a store that is still waiting for a slot (one run, full wins)', async () => {
    const clock = new ManualClock();
    const c = controlledRunner();
    const s = scheduler(c.runner, clock, { concurrency: 1 });
    const blocker = s.run('x');
    const auto = s.run('y');
    const full = s.run('y', 'full');
    await tick();
    c.open.get('x')!.finish();
    await tick();
    expect(c.open.get('y')!.mode).toBe('full');
    c.open.get('y')!.finish();
    await Promise.all([blocker, auto, full]);
    expect(c.started).toEqual(['x', 'y']);
  });

  it('a big store yields its slot between chunks once its slice is used, and carries on after the small ones', async () => {
    const clock = new ManualClock();
    const order: string[] = [];
    const runner: StoreSyncRunner = {
      async syncStore(storeHash, _mode, ctx) {
        if (storeHash !== 'big') {
          order.push(storeHash);
          return NOT_DUE;
        }
        for (let chunk = 1; chunk <= 4; chunk++) {
          order.push(`big#${chunk}`);
          await clock.advance(1_500); // a chunk takes 1.5 s
          await ctx!.yieldSlot();
        }
        return NOT_DUE;
      },
    };
    const s = scheduler(runner, clock, { concurrency: 1, sliceMs: 2_000 });
    const big = s.run('big');
    const smalls = ['s1', 's2'].map((h) => s.run(h));
    await Promise.all([big, ...smalls]);
    // After its first chunk big has used 1.5 s < 2 s of slice and keeps going; after the second it yields.
    expect(order).toEqual(['big#1', 'big#2', 's1', 's2', 'big#3', 'big#4']);
    expect(s.stats().yields).toBe(1);
  });

  it('yielding with nobody waiting costs nothing', async () => {
    const clock = new ManualClock();
    const s = scheduler(
      {
        async syncStore(_h, _m, ctx) {
          await clock.advance(10_000);
          await ctx!.yieldSlot();
          return NOT_DUE;
        },
      },
      clock,
    );
    expect(await s.run('only')).toEqual(NOT_DUE);
    expect(s.stats().yields).toBe(0);
  });

  it('sweep runs every store through the same slots and counts a running one as busy without waiting on it', async () => {
    const clock = new ManualClock();
    const c = controlledRunner();
    const s = scheduler(c.runner, clock, { concurrency: 2, stores: ['big', 's1', 's2', 's3'] });
    void s.run('big');
    await tick();
    const sweep = s.sweep();
    await tick();
    expect(c.started).toEqual(['big', 's1']);
    c.open.get('s1')!.finish({ outcome: 'flushed', dueAtMs: undefined } as SyncResult);
    await tick();
    c.open.get('s2')!.fail(new Error('boom'));
    await tick();
    c.open.get('s3')!.finish();
    expect(await sweep).toEqual({ stores: 4, flushed: 1, notDue: 1, busy: 1, failed: 1, other: 0 });
    expect(c.open.has('big')).toBe(true); // the sweep never waited for it
    c.open.get('big')!.finish();
  });

  it('stop: queued stores get busy, running ones see the abort signal and are awaited', async () => {
    const clock = new ManualClock();
    const c = controlledRunner();
    const s = scheduler(c.runner, clock, { concurrency: 1 });
    const running = s.run('a');
    const queued = s.run('b');
    await tick();
    const stopped = s.stop();
    expect(await queued).toEqual({ outcome: 'busy' });
    expect(c.open.get('a')!.ctx.signal.aborted).toBe(true);
    c.open.get('a')!.finish();
    await stopped;
    expect(await running).toEqual(NOT_DUE);
    expect(await s.run('c')).toEqual({ outcome: 'busy' });
    expect(c.started).toEqual(['a']);
  });
});
