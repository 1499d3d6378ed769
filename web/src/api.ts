// The app API client. The session token lives only in this module's memory (never a cookie or
// storage) and goes out as a bearer header; it is refreshed before it expires while the page is open.

export interface Session {
  token: string;
  storeHash: string;
  expiresAtMs: number;
}

let session: Session | undefined;
let onExpired: () => void = () => undefined;

export function startSession(s: Session, expired: () => void): void {
  session = s;
  onExpired = expired;
  scheduleRefresh();
}

function scheduleRefresh(): void {
  if (!session) return;
  const inMs = Math.max(5_000, session.expiresAtMs - Date.now() - 5 * 60_000);
  window.setTimeout(() => {
    void request<{ token: string; expiresAtMs: number }>('POST', '/session')
      .then((r) => {
        if (session) session = { ...session, token: r.token, expiresAtMs: r.expiresAtMs };
        scheduleRefresh();
      })
      .catch(() => undefined);
  }, inMs);
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: { path: (string | number)[]; message: string }[];
  constructor(status: number, body: { error?: string; message?: string; issues?: { path: (string | number)[]; message: string }[] }) {
    super(body.message ?? `request failed (${status})`);
    this.status = status;
    this.code = body.error ?? 'error';
    this.issues = body.issues ?? [];
  }
}

const base = () => `/api/app/stores/${encodeURIComponent(session?.storeHash ?? '')}`;
const headers = (json: boolean): Record<string, string> => ({ authorization: `Bearer ${session?.token ?? ''}`, ...(json ? { 'content-type': 'application/json' } : {}) });

export async function request<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base()}${path}`, { method, headers: headers(body !== undefined), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const data = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (res.status === 401) onExpired();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** POST that answers NDJSON lines (the preview): each line goes to `onLine` as it arrives. */
export async function streamLines(path: string, body: unknown, signal: AbortSignal, onLine: (line: Record<string, unknown>) => void): Promise<void> {
  const res = await fetch(`${base()}${path}`, { method: 'POST', headers: headers(true), body: JSON.stringify(body), signal });
  if (!res.ok) {
    if (res.status === 401) onExpired();
    throw new ApiError(res.status, (await res.json().catch(() => ({}))) as Record<string, never>);
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) onLine(JSON.parse(line) as Record<string, unknown>);
    }
  }
}
