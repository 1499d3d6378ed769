import { OAuth2Client } from 'google-auth-library';
import type { PushAuthMode } from '../config.ts';

/**
 * Who may call the push route (and the task routes): Pub/Sub and Cloud Scheduler sign their requests
 * with a Google OIDC token for a service account we chose.
 *  - `oidc`: the app verifies everything (signature against Google's certs, issuer, audience, expiry,
 *    then the account and `email_verified`, which the library does not check).
 *  - `iam`: Cloud Run IAM already verified the token (invoker role) and replaced the signature with
 *    SIGNATURE_REMOVED_BY_GOOGLE, so the app checks the claims only: issuer, audience, expiry, account.
 *  - `none`: local runs against the emulator, which sends no token at all.
 */
export type AuthResult = { ok: true; email: string | undefined } | { ok: false; status: 401 | 403; reason: string };

export interface PushAuthenticator {
  readonly mode: PushAuthMode;
  authenticate(authorization: string | undefined, allowedEmails: readonly string[]): Promise<AuthResult>;
}

export interface PushAuthOptions {
  mode: PushAuthMode;
  audience: string | undefined;
  /** Google's PEM certs URL by default; tests serve their own key. */
  certsUrl?: string | undefined;
  nowMs?: () => number;
}

const ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
const CLOCK_SKEW_S = 300;

interface Claims {
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  email?: unknown;
  email_verified?: unknown;
}

function bearer(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  return m?.[1];
}

function checkIdentity(claims: Claims, allowed: readonly string[]): AuthResult {
  if (claims.email_verified !== true) return { ok: false, status: 403, reason: 'token email is not verified' };
  if (typeof claims.email !== 'string' || !allowed.includes(claims.email)) {
    return { ok: false, status: 403, reason: 'token is for another service account' };
  }
  return { ok: true, email: claims.email };
}

function decodeClaims(token: string): Claims | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? claims : undefined;
  } catch {
    return undefined;
  }
}

export function createPushAuthenticator(opts: PushAuthOptions): PushAuthenticator {
  const now = opts.nowMs ?? Date.now;
  switch (opts.mode) {
    case 'none':
      return { mode: 'none', authenticate: () => Promise.resolve({ ok: true, email: undefined }) };

    case 'oidc': {
      const audience = opts.audience;
      if (!audience) throw new Error('PUSH_AUDIENCE is required in oidc mode');
      const client = new OAuth2Client({
        issuers: ISSUERS,
        ...(opts.certsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: opts.certsUrl } } : {}),
      });
      return {
        mode: 'oidc',
        async authenticate(authorization, allowed) {
          const token = bearer(authorization);
          if (!token) return { ok: false, status: 401, reason: 'missing bearer token' };
          let claims: Claims | undefined;
          try {
            const ticket = await client.verifyIdToken({ idToken: token, audience });
            claims = ticket.getPayload();
          } catch (err) {
            return { ok: false, status: 401, reason: `token rejected: ${(err as Error).message}` };
          }
          if (!claims) return { ok: false, status: 401, reason: 'token has no payload' };
          return checkIdentity(claims, allowed);
        },
      };
    }

    case 'iam':
      return {
        mode: 'iam',
        authenticate(authorization, allowed) {
          const token = bearer(authorization);
          if (!token) return Promise.resolve({ ok: false, status: 401, reason: 'missing bearer token' });
          const claims = decodeClaims(token);
          if (!claims) return Promise.resolve({ ok: false, status: 401, reason: 'token is not a JWT' });
          if (typeof claims.iss !== 'string' || !ISSUERS.includes(claims.iss)) {
            return Promise.resolve({ ok: false, status: 401, reason: 'token issuer is not Google' });
          }
          if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_S < now() / 1000) {
            return Promise.resolve({ ok: false, status: 401, reason: 'token expired' });
          }
          if (opts.audience !== undefined) {
            const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
            if (!auds.includes(opts.audience)) return Promise.resolve({ ok: false, status: 401, reason: 'token audience mismatch' });
          }
          return Promise.resolve(checkIdentity(claims, allowed));
        },
      };
  }
}
