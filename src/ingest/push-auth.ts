import { OAuth2Client } from 'google-auth-library';
import type { PushAuthMode } from '../config.ts';

/**
 * Who may call the push route (and the task routes): Pub/Sub and Cloud Scheduler sign their requests
 * with a Google OIDC token for a service account we chose.
 *  - `oidc`: the app verifies everything (signature against Google's certs, issuer, audience, expiry,
 *    then the account and `email_verified`, which the library does not check).
 *  - `iam`: Cloud Run IAM already verified the token (invoker role) and replaced the signature with
 *    SIGNATURE_REMOVED_BY_GOOGLE, so the app checks the claims only: issuer, audience, expiry, account.
 *    Two cases where Cloud Run did NOT check `Authorization`, which are then verified as in `oidc`:
 *    the caller authenticated to Cloud Run with `X-Serverless-Authorization` (Cloud Run then passes
 *    `Authorization` through untouched), or the token still carries a signature (Cloud Run strips it
 *    when it verified it). A token Cloud Run did not vouch for is never trusted unverified.
 *  - `none`: local runs against the emulator, which sends no token at all.
 *
 * Refusals carry a reason from a closed set (AUTH_REASONS), never token text or claims: a refused
 * token is attacker input and may be a live credential of someone else.
 */
export const AUTH_REASONS = ['missing', 'malformed', 'signature', 'expired', 'issuer', 'audience', 'account', 'email-unverified', 'verifier-unavailable'] as const;
export type AuthReason = (typeof AUTH_REASONS)[number];

export type AuthResult = { ok: true; email: string | undefined } | { ok: false; status: 401 | 403 | 503; reason: AuthReason };

/** The request headers the authenticator reads (Node's IncomingHttpHeaders fits). */
export type AuthHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface PushAuthenticator {
  readonly mode: PushAuthMode;
  authenticate(headers: AuthHeaders, allowedEmails: readonly string[]): Promise<AuthResult>;
}

export interface PushAuthOptions {
  mode: PushAuthMode;
  /** Required in `oidc` and `iam` (config.ts enforces it; this factory refuses to build without it). */
  audience: string | undefined;
  /** Google's PEM certs URL by default; tests serve their own key. */
  certsUrl?: string | undefined;
  nowMs?: () => number;
}

/**
 * The start-up warning for a mode, or undefined. Constant strings (the mode goes in a log field).
 * `iam` is only as safe as the Cloud Run IAM in front of it: on a public service anyone can forge
 * the claims.
 */
export function pushAuthWarning(mode: PushAuthMode): string | undefined {
  switch (mode) {
    case 'none':
      return 'PUSH_AUTH=none: /pubsub/push, /status and /tasks accept unauthenticated requests. Local development only - never deploy this.';
    case 'iam':
      return 'PUSH_AUTH=iam trusts token claims that Cloud Run IAM verified: only safe on a private Cloud Run service (no allUsers invoker). Use oidc anywhere else.';
    case 'oidc':
      return undefined;
  }
}

const ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
const CLOCK_SKEW_S = 300;
const STRIPPED_SIGNATURE = 'SIGNATURE_REMOVED_BY_GOOGLE';

interface Claims {
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  email?: unknown;
  email_verified?: unknown;
}

const refuse = (status: 401 | 403 | 503, reason: AuthReason): AuthResult => ({ ok: false, status, reason });

function header(headers: AuthHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function bearer(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  return m?.[1];
}

function checkIdentity(claims: Claims, allowed: readonly string[]): AuthResult {
  if (claims.email_verified !== true) return refuse(403, 'email-unverified');
  if (typeof claims.email !== 'string' || !allowed.includes(claims.email)) return refuse(403, 'account');
  return { ok: true, email: claims.email };
}

function decodeClaims(token: string): Claims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

/**
 * google-auth-library reports every failure as a plain Error whose message embeds the token or its
 * payload; only the message prefix is used here, to pick a reason. Anything unrecognised (the certs
 * could not be fetched) is not the caller's fault: 503, so Pub/Sub and Scheduler retry.
 */
export function verifyErrorReason(message: string): { status: 401 | 503; reason: AuthReason } {
  const rules: [RegExp, AuthReason][] = [
    [/^(Wrong number of segments|Can't parse token|iat field|exp field|No issue time|No expiration time)/, 'malformed'],
    [/^(Invalid token signature|No pem found)/, 'signature'],
    [/^(Token used too late|Token used too early|Expiration time too far)/, 'expired'],
    [/^Invalid issuer/, 'issuer'],
    [/^Wrong recipient/, 'audience'],
  ];
  for (const [re, reason] of rules) if (re.test(message)) return { status: 401, reason };
  return { status: 503, reason: 'verifier-unavailable' };
}

type Verifier = (token: string, allowed: readonly string[]) => Promise<AuthResult>;

function signatureVerifier(audience: string, certsUrl: string | undefined): Verifier {
  const client = new OAuth2Client({
    issuers: ISSUERS,
    ...(certsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: certsUrl } } : {}),
  });
  return async (token, allowed) => {
    let claims: Claims | undefined;
    try {
      const ticket = await client.verifyIdToken({ idToken: token, audience });
      claims = ticket.getPayload();
    } catch (err) {
      const { status, reason } = verifyErrorReason(err instanceof Error ? err.message : '');
      return refuse(status, reason);
    }
    if (!claims) return refuse(401, 'malformed');
    return checkIdentity(claims, allowed);
  };
}

function claimsVerifier(audience: string, now: () => number): Verifier {
  return (token, allowed) => {
    const claims = decodeClaims(token);
    if (!claims) return Promise.resolve(refuse(401, 'malformed'));
    if (typeof claims.iss !== 'string' || !ISSUERS.includes(claims.iss)) return Promise.resolve(refuse(401, 'issuer'));
    if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_S < now() / 1000) return Promise.resolve(refuse(401, 'expired'));
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!auds.includes(audience)) return Promise.resolve(refuse(401, 'audience'));
    return Promise.resolve(checkIdentity(claims, allowed));
  };
}

export function createPushAuthenticator(opts: PushAuthOptions): PushAuthenticator {
  const now = opts.nowMs ?? Date.now;
  if (opts.mode === 'none') return { mode: 'none', authenticate: () => Promise.resolve({ ok: true, email: undefined }) };

  const audience = opts.audience;
  if (!audience) throw new Error(`PUSH_AUDIENCE is required in ${opts.mode} mode`);
  const verifySigned = signatureVerifier(audience, opts.certsUrl);

  switch (opts.mode) {
    case 'oidc':
      return {
        mode: 'oidc',
        authenticate(headers, allowed) {
          const token = bearer(header(headers, 'authorization'));
          return token ? verifySigned(token, allowed) : Promise.resolve(refuse(401, 'missing'));
        },
      };

    case 'iam': {
      const verifyClaims = claimsVerifier(audience, now);
      return {
        mode: 'iam',
        authenticate(headers, allowed) {
          const token = bearer(header(headers, 'authorization'));
          if (!token) return Promise.resolve(refuse(401, 'missing'));
          const cloudRunChecked = header(headers, 'x-serverless-authorization') === undefined && token.split('.')[2] === STRIPPED_SIGNATURE;
          return cloudRunChecked ? verifyClaims(token, allowed) : verifySigned(token, allowed);
        },
      };
    }
  }
}
