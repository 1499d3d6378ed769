import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { InstallGrant, SignedPayloadOptions } from './types.ts';

/** Defaults for the sandbox app's OAuth credentials (override with SandboxOptions.clientId/clientSecret). */
export const DEFAULT_CLIENT_ID = 'sandbox-client-id';
export const DEFAULT_CLIENT_SECRET = 'sandbox-client-secret';
export const DEFAULT_OAUTH_SCOPE = 'store_v2_products store_v2_information_read_only';
const CODE_TTL_MS = 10 * 60_000;
const DAY_S = 86_400;

export const SANDBOX_USER = { id: 100, username: 'sandbox-owner', email: 'owner@sandbox.example' } as const;

/**
 * The `signed_payload_jwt` BigCommerce sends to /load, /uninstall and /remove_user (reference §6):
 * HS256 with the client secret, aud = client id, iss = 'bc', sub = 'stores/{hash}', exp 24 h after
 * nbf. `expired` backdates the token by two days so verification fails on exp.
 */
export async function signedPayload(hash: string, opts: SignedPayloadOptions = {}): Promise<string> {
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const secret = opts.secret ?? DEFAULT_CLIENT_SECRET;
  const nowS = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const iat = opts.expired ? nowS - 2 * DAY_S : nowS;
  const user = opts.user ?? { id: SANDBOX_USER.id, email: SANDBOX_USER.email, locale: 'en-US' };
  return new SignJWT({
    user: { locale: 'en-US', ...user },
    owner: opts.owner ?? { id: SANDBOX_USER.id, email: SANDBOX_USER.email },
    url: opts.url ?? '/',
    channel_id: opts.channelId ?? null,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(opts.aud ?? clientId)
    .setIssuer('bc')
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + DAY_S)
    .setJti(randomUUID())
    .setSubject(`stores/${hash}`)
    .sign(new TextEncoder().encode(secret));
}

/** Body of `POST /oauth2/token` (JSON or form-encoded). */
export const TokenRequestSchema = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  code: z.string().min(1),
  context: z.string().regex(/^stores\/[A-Za-z0-9_-]+$/, 'context must be stores/{hash}'),
  scope: z.string().optional(),
  grant_type: z.literal('authorization_code'),
  // BigCommerce requires it, identical to the app's registered auth callback (reference §6).
  redirect_uri: z.string().min(1, 'redirect_uri is required (the auth callback URL registered for the app)'),
});
export type TokenRequest = z.infer<typeof TokenRequestSchema>;

interface PendingGrant {
  hash: string;
  scope: string;
  redirectUri: string | undefined;
  accountUuid: string;
  expiresAtMs: number;
}

export type ExchangeResult =
  | { ok: true; hash: string; accessToken: string; scope: string; body: Record<string, unknown> }
  | { ok: false; status: 400 | 401; body: { error: string; error_description: string } };

/** One-time install codes and their exchange for access tokens. */
export class InstallGrants {
  private readonly pending = new Map<string, PendingGrant>();
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly authCallbackUrl: string | undefined;

  /** `authCallbackUrl`: the app's registered Auth Callback URL, which every exchange's redirect_uri must equal. */
  constructor(clientId: string, clientSecret: string, authCallbackUrl?: string) {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.authCallbackUrl = authCallbackUrl;
  }

  issue(hash: string, nowMs: number, opts: { scope?: string | undefined; redirectUri?: string | undefined } = {}): InstallGrant {
    const code = randomBytes(16).toString('hex');
    const scope = opts.scope ?? DEFAULT_OAUTH_SCOPE;
    const accountUuid = randomUUID();
    this.pending.set(code, { hash, scope, redirectUri: opts.redirectUri, accountUuid, expiresAtMs: nowMs + CODE_TTL_MS });
    const context = `stores/${hash}`;
    const q = new URLSearchParams({ code, scope, context, account_uuid: accountUuid });
    return { code, scope, context, accountUuid, authPath: `/auth?${q.toString()}` };
  }

  /**
   * Checks credentials, code, context and redirect_uri; a code works once. The redirect_uri must be
   * the registered callback: the grant's own `redirectUri` (install option) or else the sandbox's
   * `authCallbackUrl`; with neither registered no exchange succeeds, as no real app lacks one.
   */
  exchange(req: TokenRequest, nowMs: number): ExchangeResult {
    const fail = (status: 400 | 401, error: string, error_description: string): ExchangeResult => ({ ok: false, status, body: { error, error_description } });
    if (req.client_id !== this.clientId || req.client_secret !== this.clientSecret) return fail(401, 'invalid_client', 'Invalid client id or client secret');
    const grant = this.pending.get(req.code);
    if (!grant || grant.expiresAtMs < nowMs) return fail(400, 'invalid_grant', 'Invalid or expired authorization code');
    if (`stores/${grant.hash}` !== req.context) return fail(400, 'invalid_grant', 'The code was not issued for this context');
    const registered = grant.redirectUri ?? this.authCallbackUrl;
    if (registered === undefined) return fail(400, 'invalid_grant', 'No auth callback URL is registered for this app (sandbox: set authCallbackUrl or install with redirectUri)');
    if (req.redirect_uri !== registered) return fail(400, 'invalid_grant', 'redirect_uri does not match the auth callback URL registered for the app');
    this.pending.delete(req.code);
    const accessToken = randomBytes(20).toString('hex');
    return {
      ok: true,
      hash: grant.hash,
      accessToken,
      scope: grant.scope,
      body: {
        access_token: accessToken,
        scope: grant.scope,
        user: { ...SANDBOX_USER },
        owner: { ...SANDBOX_USER },
        context: req.context,
        account_uuid: grant.accountUuid,
      },
    };
  }
}
