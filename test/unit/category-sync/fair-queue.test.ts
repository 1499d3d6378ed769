import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../../src/category-sync/fair-queue.ts';

type Op = ['enqueue', string, number] | ['take'];

describe('FairQueue', () => {
  it.each<{ name: string; ops: Op[]; taken: (string | undefined)[] }>([
    { name: 'empty line gives nothing', ops: [['take']], taken: [undefined] },
    { name: 'longest waiting first, whatever the join order', ops: [['enqueue', 'c', 300], ['enqueue', 'a', 100], ['enqueue', 'b', 200], ['take'], ['take'], ['take']], taken: ['a', 'b', 'c'] },
    { name: 'a tie goes to whoever joined first', ops: [['enqueue', 'x', 5], ['enqueue', 'y', 5], ['take'], ['take']], taken: ['x', 'y'] },
    { name: 'asking again keeps the earlier waiting time', ops: [['enqueue', 'a', 100], ['enqueue', 'b', 200], ['enqueue', 'b', 50], ['take'], ['take']], taken: ['b', 'a'] },
    { name: 'asking again never moves a store back', ops: [['enqueue', 'a', 100], ['enqueue', 'b', 200], ['enqueue', 'a', 900], ['take'], ['take']], taken: ['a', 'b'] },
    { name: 'a store that yields and re-joins goes behind those already waiting', ops: [['enqueue', 'small', 10], ['enqueue', 'big', 10], ['take'], ['enqueue', 'big', 10], ['take'], ['take']], taken: ['small', 'big', undefined] },
  ])('$name', ({ ops, taken }) => {
    const q = new FairQueue<null>();
    const out: (string | undefined)[] = [];
    for (const op of ops) {
      if (op[0] === 'take') out.push(q.take()?.storeHash);
      else q.enqueue(op[1], op[2], null);
    }
    expect(out).toEqual(taken);
  });

  it('holds a store once and drains everything', () => {
    const q = new FairQueue<number>();
    q.enqueue('a', 1, 1);
    q.enqueue('a', 0, 2);
    expect(q.size).toBe(1);
    expect(q.has('a')).toBe(true);
    expect(q.drain().map((e) => [e.storeHash, e.waitingSinceMs, e.value])).toEqual([['a', 0, 1]]);
    expect(q.size).toBe(0);
  });
});
