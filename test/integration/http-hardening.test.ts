// The HTTP edge under hostile clients, over real TCP (inject() cannot send slowly): authentication
// runs before a byte of the body is read, slow senders are cut off, refusals never echo tokens.
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoutePlugin } from '../../src/http/route-plugin.ts';
import { COLLECTIONS } from '../../src/firestore/collections.ts';
import { testApp, PUSH_SA, SCHEDULER_SA } from '../helpers/app.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { mintToken, startCertsServer } from '../helpers/oidc.ts';

const { db } = testFirestore('demo-http-hardening');
afterAll(() => db.terminate());

const AUD = 'https://svc.example.run.app';

interface RawResult {
  /** Everything the server sent. */
  response: string;
  /** ms from the first byte sent until the server closed the connection. */
  closedAfterMs: number;
  /** Body bytes the client managed to write before the server closed. */
  bodyBytesSent: number;
}

/**
 * Sends the request head, then the body one byte every `byteEveryMs`, until the server closes the
 * connection or `giveUpMs` passes (then the test fails: the server held the connection).
 */
async function slowRequest(port: number, head: string, o: { byteEveryMs: number; giveUpMs: number }): Promise<RawResult> {
  const started = Date.now();
  const socket: Socket = connect(port, '127.0.0.1');
  let response = '';
  let bodyBytesSent = 0;
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (response += d));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (socket.writable) {
          socket.write('x');
          bodyBytesSent++;
        }
      }, o.byteEveryMs);
    });
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
    setTimeout(() => reject(new Error(`server still holds the connection after ${o.giveUpMs} ms; got: ${response.slice(0, 200)}`)), o.giveUpMs).unref();
  }).finally(() => {
    clearInterval(timer);
    socket.destroy();
  });
  return { response, closedAfterMs: Date.now() - started, bodyBytesSent };
}

const head = (method: string, path: string, contentLength: number, extra = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n${extra}\r\n`;

/** A guarded operator route like /tasks/*, mounted the way the task plugins mount theirs. */
const guardedTask: RoutePlugin = (app, guard) => {
  app.post('/tasks/probe', { onRequest: guard([SCHEDULER_SA]) }, () => ({ ok: true }));
};

describe('authentication before the body (oidc)', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let port: number;
  let certs: Awaited<ReturnType<typeof startCertsServer>>;
  const lines: string[] = [];
  beforeAll(async () => {
    certs = await startCertsServer();
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
    app = await testApp(db, { auth: { mode: 'oidc', audience: AUD, certsUrl: certs.url }, extra: { logger: pino({ level: 'info' }, sink), plugins: [guardedTask] } });
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.server.close();
    await certs.close();
  });

  it.each(['/pubsub/push', '/tasks/probe'])('%s: a slow unauthenticated sender with a 1 MB Content-Length gets 401 at once and the connection closes', async (path) => {
    const r = await slowRequest(port, head('POST', path, 1_000_000), { byteEveryMs: 100, giveUpMs: 5_000 });
    expect(r.response).toMatch(/^HTTP\/1\.1 401 /);
    expect(r.response).toMatch(/"reason":"missing"/);
    expect(r.closedAfterMs).toBeLessThan(2_000);
    expect(r.bodyBytesSent).toBeLessThan(20);
  });

  it('a declared body far over the limit is refused for auth first (no 413 probing without a token)', async () => {
    const r = await slowRequest(port, head('POST', '/pubsub/push', 100_000_000), { byteEveryMs: 100, giveUpMs: 5_000 });
    expect(r.response).toMatch(/^HTTP\/1\.1 401 /);
    expect(r.closedAfterMs).toBeLessThan(2_000);
  });

  it('a forged token is refused with a reason code; neither the body nor the log holds token text', async () => {
    const forged = await mintToken({ aud: AUD, email: PUSH_SA, foreignKey: true });
    const expired = await mintToken({ aud: AUD, email: PUSH_SA, expSec: -900 });
    const before = lines.length;
    for (const [token, reason] of [
      [forged, 'signature'],
      [expired, 'expired'],
    ] as const) {
      const res = await app.server.inject({ method: 'POST', url: '/pubsub/push', payload: '{}', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'unauthenticated', reason });
      expect(res.headers.connection).toBe('close');
    }
    const logged = lines.slice(before).join('\n');
    expect(logged).toContain('request refused');
    for (const token of [forged, expired]) for (const part of token.split('.')) expect(logged).not.toContain(part);
    expect(logged).not.toContain(PUSH_SA); // the expired token's payload (its claims) is not logged either
    expect((await db.collection(COLLECTIONS.markers).get()).size).toBe(0);
  });
});

describe('request timeout (an authenticated but slow sender)', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let port: number;
  beforeAll(async () => {
    app = await testApp(db, { extra: { timeouts: { requestMs: 1_000 } } });
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.server.address() as { port: number }).port;
  });
  afterAll(() => app.server.close());

  it('is cut off with 408 once the request takes longer than requestMs to arrive', async () => {
    const r = await slowRequest(port, head('POST', '/pubsub/push', 1_000), { byteEveryMs: 100, giveUpMs: 6_000 });
    expect(r.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(r.closedAfterMs).toBeLessThan(3_500);
  });

  it('the defaults bound the request and keep idle sockets above Cloud Run’s 900 s timeout', async () => {
    const { DEFAULT_SERVER_TIMEOUTS } = await import('../../src/app.ts');
    expect(DEFAULT_SERVER_TIMEOUTS.requestMs).toBeLessThanOrEqual(30_000);
    expect(DEFAULT_SERVER_TIMEOUTS.idleSocketMs).toBeGreaterThan(900_000);
  });
});
