// A real HTTP server on a free port whose answers each test scripts, recording exactly what the
// client sent (raw request line URL, headers, body, arrival time).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface RecordedRequest {
  method: string;
  /** `req.url` as received: path + query, byte for byte. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  atMs: number;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | 'destroy' | 'hang';
export type Handler = (req: RecordedRequest, index: number) => Reply | Promise<Reply>;

export interface FakeBigCommerce {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeBigCommerce(handler: Handler): Promise<FakeBigCommerce> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: performance.now() };
      const index = requests.push(rec) - 1;
      void Promise.resolve(handler(rec, index)).then((reply) => {
        if (reply === 'hang') return;
        if (reply === 'destroy') {
          req.socket.destroy();
          return;
        }
        const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(payload);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Fixed-window quota like BigCommerce's: headers on every answer, 429 + X-Retry-After when used up (429s do not count). */
export function quotaWindow(opts: { quota: number; windowMs: number }) {
  let windowStart = -Infinity;
  let used = 0;
  const perWindow: number[] = [];
  let rejected = 0;
  return {
    perWindow,
    get rejected() {
      return rejected;
    },
    /** Headers for this request, or a 429 reply when the window is used up. */
    take(): { ok: true; headers: Record<string, string> } | { ok: false; reply: Reply } {
      const now = performance.now();
      if (now - windowStart >= opts.windowMs) {
        windowStart = now;
        used = 0;
        perWindow.push(0);
      }
      const resetMs = Math.max(0, Math.ceil(windowStart + opts.windowMs - now));
      const base = { 'X-Rate-Limit-Time-Window-Ms': String(opts.windowMs), 'X-Rate-Limit-Time-Reset-Ms': String(resetMs), 'X-Rate-Limit-Requests-Quota': String(opts.quota) };
      if (used >= opts.quota) {
        rejected++;
        return {
          ok: false,
          reply: {
            status: 429,
            headers: { ...base, 'X-Rate-Limit-Requests-Left': '0', 'X-Retry-After': String(Math.ceil(resetMs / 1000)) },
            body: { status: 429, title: 'Too many requests' },
          },
        };
      }
      used++;
      perWindow[perWindow.length - 1] = used;
      return { ok: true, headers: { ...base, 'X-Rate-Limit-Requests-Left': String(opts.quota - used) } };
    },
  };
}
