import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The app session: what the page inside the control-panel iframe sends with every app API call.
 *
 * The verified `signed_payload_jwt` of `/load` opens it; it is a short-lived bearer token
 * `v1.<payload>.<mac>` (base64url), HMAC-SHA256 over the payload with a key derived from the app's
 * client secret (so a BigCommerce JWT can never pass as a session, nor the other way round). The
 * page keeps it in memory and sends `Authorization: Bearer <token>`:
 * - no cookie, so it works in a cross-site iframe where third-party cookies are blocked;
 * - nothing the browser attaches on its own, so a cross-site form or image cannot ride on it (no CSRF).
 * The token names one store: the API refuses it for any other store's routes.
 */

export const AppSessionSchema = z.strictObject({
  /** Store hash the session is bound to. */
  s: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** Control-panel user id and email from the signed payload (who saved a rules version). */
  u: z.number().int().optional(),
  m: z.string().max(320).optional(),
  /** Expiry, unix ms. */
  x: z.number().int().positive(),
});

export interface AppSession {
  storeHash: string;
  userId: number | undefined;
  email: string | undefined;
  expiresAtMs: number;
}

export type SessionFailure = 'missing' | 'malformed' | 'signature' | 'expired';
export type SessionCheck = { ok: true; session: AppSession } | { ok: false; reason: SessionFailure };

export interface SessionTokens {
  issue(s: { storeHash: string; userId?: number | undefined; email?: string | undefined }): { token: string; expiresAtMs: number };
  verify(token: string | undefined): SessionCheck;
}

export const DEFAULT_SESSION_TTL_MS = 60 * 60_000;
const VERSION = 'v1';

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

export function createSessionTokens(opts: { clientSecret: string; nowMs: () => number; ttlMs?: number }): SessionTokens {
  const key = createHmac('sha256', opts.clientSecret).update('automated-categories app session v1').digest();
  const ttlMs = opts.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  const mac = (payload: string) => createHmac('sha256', key).update(`${VERSION}.${payload}`).digest();

  return {
    issue(s) {
      const expiresAtMs = opts.nowMs() + ttlMs;
      const body = { s: s.storeHash, ...(s.userId !== undefined ? { u: s.userId } : {}), ...(s.email !== undefined ? { m: s.email } : {}), x: expiresAtMs };
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      return { token: `${VERSION}.${payload}.${mac(payload).toString('base64url')}`, expiresAtMs };
    },

    verify(token) {
      if (!token) return { ok: false, reason: 'missing' };
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== VERSION || !/^[A-Za-z0-9_-]+$/.test(parts[1]!) || !/^[A-Za-z0-9_-]+$/.test(parts[2]!)) return { ok: false, reason: 'malformed' };
      const given = Buffer.from(parts[2]!, 'base64url');
      const expected = mac(parts[1]!);
      // Signature before parsing: nothing an attacker wrote is interpreted unless we signed it.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
      let body;
      try {
        body = AppSessionSchema.parse(JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')));
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (body.x <= opts.nowMs()) return { ok: false, reason: 'expired' };
      return { ok: true, session: { storeHash: body.s, userId: body.u, email: body.m, expiresAtMs: body.x } };
    },
  };
}
