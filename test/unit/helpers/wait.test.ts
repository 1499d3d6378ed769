import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatedFetch, JumpClock, waitFor } from '../../helpers/wait.ts';

describe('waitFor', () => {
  it('returns the first truthy value of the probe', async () => {
    let calls = 0;
    expect(await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 })).toEqual({ calls: 3 });
  });

  it('treats a throwing probe as not yet', async () => {
    let calls = 0;
    const probe = () => {
      if (++calls < 3) throw new Error('not up');
      return 'up';
    };
    expect(await waitFor(probe, { intervalMs: 1 })).toBe('up');
  });

  it('fails at the deadline, naming the condition and the last result', async () => {
    const started = Date.now();
    await expect(waitFor(() => false, { timeoutMs: 50, intervalMs: 5, what: 'the impossible' })).rejects.toThrow(/timed out after 50 ms waiting for the impossible \(last: false\)/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    await expect(waitFor(() => Promise.reject(new Error('boom')), { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(/last: boom/);
  });
});

describe('gatedFetch', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => res.end(req.url));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('holds matching requests until released and lets the others through', async () => {
    const gate = gatedFetch((u) => u.endsWith('/held'));
    expect(await (await gate.fetch(`${url}/free`)).text()).toBe('/free');
    let done = false;
    const held = gate.fetch(`${url}/held`).then(async (r) => {
      done = true;
      return r.text();
    });
    await gate.arrived;
    expect(gate.held).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    gate.release();
    expect(await held).toBe('/held');
  });
});

describe('JumpClock', () => {
  it('runs with real time and jumps forward on demand', () => {
    const clock = new JumpClock();
    const before = Date.now();
    clock.jump(1_100);
    expect(clock.now()).toBeGreaterThanOrEqual(before + 1_100);
    expect(clock.now()).toBeLessThan(Date.now() + 1_100 + 1_000);
  });
});
