import { jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { RoutePlugin } from '../http/route-plugin.ts';
import type { Clock } from '../clock.ts';
import { storeHashOfContext } from '../bigcommerce/store-hash.ts';
import { AppError, ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { StoreDirectory } from './store-directory.ts';
import type { StoreRegistry } from './store-registry.ts';
import { protectCallbacks, type CallbackRateLimit } from './callback-protection.ts';

/**
 * The single-click app callbacks (reference §6), called by the merchant's browser (auth, load) or by
 * BigCommerce (uninstall, remove_user). They are public: `/auth` is authenticated by the one-time
 * code the token endpoint checks, the others by `signed_payload_jwt` (HS256, client secret,
 * aud = client id, sub = stores/{hash}, exp). A payload that does not verify answers 401 and changes
 * nothing. Neither the access token nor the code nor the JWT is ever logged.
 */

/** Accepted clock difference between BigCommerce and us for exp/nbf/iat. */
const CLOCK_TOLERANCE_S = 60;

export interface SignedPayload {
  storeHash: string;
  /** `iat` in ms: when BigCommerce issued the callback (orders an uninstall against a reinstall). */
  issuedAtMs: number;
  userId: number | undefined;
  userEmail: string | undefined;
}

export type SignedPayloadFailure = 'missing' | 'malformed' | 'signature' | 'audience' | 'expired' | 'not-yet-valid' | 'claims' | 'subject';

/** Verifies a `signed_payload_jwt`; throws AppError STORE_PAYLOAD_INVALID with `details.reason`. */
export async function verifySignedPayload(jwt: string | undefined, opts: { clientId: string; clientSecret: string; nowMs: number }): Promise<SignedPayload> {
  const fail = (reason: SignedPayloadFailure, cause?: unknown) => new AppError(ErrorCode.STORE_PAYLOAD_INVALID, `signed_payload_jwt rejected: ${reason}`, { cause, details: { reason } });
  if (!jwt) throw fail('missing');
  let payload;
  try {
    ({ payload } = await jwtVerify(jwt, new TextEncoder().encode(opts.clientSecret), {
      algorithms: ['HS256'],
      audience: opts.clientId,
      currentDate: new Date(opts.nowMs),
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp', 'iat', 'sub', 'aud'],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw fail('expired', err);
    if (err instanceof joseErrors.JWTClaimValidationFailed) {
      throw fail(err.claim === 'aud' ? 'audience' : err.claim === 'nbf' || err.claim === 'iat' ? 'not-yet-valid' : 'claims', err);
    }
    if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JOSEAlgNotAllowed) throw fail('signature', err);
    throw fail('malformed', err);
  }
  const storeHash = storeHashOfContext(payload.sub);
  if (storeHash === undefined) throw fail('subject');
  const user = payload.user as { id?: unknown; email?: unknown } | undefined;
  return {
    storeHash,
    issuedAtMs: (payload.iat ?? 0) * 1000,
    userId: typeof user?.id === 'number' ? user.id : undefined,
    userEmail: typeof user?.email === 'string' ? user.email : undefined,
  };
}

export const AuthQuerySchema = z.object({
  code: z.string().min(1).max(512),
  scope: z.string().max(4096).default(''),
  context: z.string().refine((c) => storeHashOfContext(c) !== undefined, 'context must be stores/{hash}'),
  account_uuid: z.string().max(128).optional(),
});
export type AuthQuery = z.infer<typeof AuthQuerySchema>;

const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  scope: z.string().optional(),
  context: z.string(),
  account_uuid: z.string().optional(),
});

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  /** BIGCOMMERCE_LOGIN_URL: the token endpoint is `${loginUrl}/oauth2/token`. */
  loginUrl: string;
  /** `${APP_URL}/auth`: BigCommerce requires it on every exchange, identical to the registered auth callback. */
  redirectUri: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Exchanges an install code for the store's token. AppError codes: STORE_AUTH_CODE_REJECTED
 * (expired/used code: the merchant retries the install), STORE_AUTH_CLIENT_REJECTED (our client id
 * or secret is wrong: an operator fixes the config), STORE_AUTH_UNAVAILABLE (retryable).
 */
export async function exchangeCode(q: AuthQuery, s: OAuthSettings): Promise<{ storeHash: string; accessToken: string; scopes: string[]; accountUuid: string | undefined }> {
  const storeHash = storeHashOfContext(q.context)!;
  let res: Response;
  let text: string;
  try {
    res = await (s.fetch ?? fetch)(`${s.loginUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        client_id: s.clientId,
        client_secret: s.clientSecret,
        code: q.code,
        context: q.context,
        scope: q.scope,
        grant_type: 'authorization_code',
        redirect_uri: s.redirectUri,
      }),
      signal: AbortSignal.timeout(s.timeoutMs ?? 10_000),
    });
    text = await res.text();
  } catch (cause) {
    throw new AppError(ErrorCode.STORE_AUTH_UNAVAILABLE, 'the BigCommerce token endpoint did not answer', { retryable: true, cause, details: { storeHash } });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const oauthError = (body as { error?: unknown } | undefined)?.error;
  if (res.status === 401 || oauthError === 'invalid_client') {
    throw new AppError(ErrorCode.STORE_AUTH_CLIENT_REJECTED, 'BigCommerce rejected our client id/secret: check BIGCOMMERCE_CLIENT_ID and BIGCOMMERCE_CLIENT_SECRET', {
      details: { storeHash, status: res.status },
    });
  }
  if (res.status >= 400 && res.status < 500) {
    throw new AppError(ErrorCode.STORE_AUTH_CODE_REJECTED, 'BigCommerce rejected the install code (expired, already used, or issued for another redirect URI)', {
      details: { storeHash, status: res.status, error: typeof oauthError === 'string' ? oauthError : undefined },
    });
  }
  const parsed = res.ok ? TokenResponseSchema.safeParse(body) : undefined;
  if (!parsed?.success) {
    throw new AppError(ErrorCode.STORE_AUTH_UNAVAILABLE, 'the BigCommerce token endpoint answered with an error or an unexpected body', { retryable: true, details: { storeHash, status: res.status } });
  }
  if (parsed.data.context !== q.context) {
    throw new AppError(ErrorCode.STORE_AUTH_CONTEXT_MISMATCH, 'the token response is for another store than the install request', { details: { storeHash } });
  }
  const granted = parsed.data.scope ?? q.scope;
  return { storeHash, accessToken: parsed.data.access_token, scopes: granted.split(/\s+/).filter(Boolean), accountUuid: parsed.data.account_uuid ?? q.account_uuid };
}

export interface AppRoutesDeps {
  /** Unset (no client id/secret/encryption key) -> every callback answers 503. */
  oauth: OAuthSettings | undefined;
  registry: StoreRegistry;
  directory: StoreDirectory;
  /** Registers the store's webhooks (the reconciler); awaited up to `registerBudgetMs`. */
  registerWebhooks: (storeHash: string) => Promise<{ outcome: string; errors: { code: ErrorCode; message: string }[] }>;
  /** The first full sync; kicked off, never awaited by the HTTP answer. */
  firstSync: (storeHash: string) => Promise<unknown>;
  clock: Clock;
  logger: Logger;
  /** How long /auth waits for the webhook registration before answering anyway (default 10 s). */
  registerBudgetMs?: number;
  /** Per client address (default 60 per minute). */
  rateLimit?: CallbackRateLimit;
  /** CSP frame-ancestors (default: BigCommerce's control panel, CONTROL_PANEL_FRAME_ANCESTORS). */
  frameAncestors?: readonly string[] | undefined;
  /**
   * The app itself (src/app-api): the HTML `/load` answers for an installed store, holding a fresh
   * app session for the verified user. Without it, /load answers a plain status page.
   */
  openApp?: ((p: SignedPayload) => string) | undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function page(reply: FastifyReply, status: number, title: string, lines: string[]) {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</body></html>`;
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

// eslint-disable-next-line max-lines-per-function -- the four app callbacks registered together share the signed-payload check; each handler is short
export function appRoutes(deps: AppRoutesDeps): RoutePlugin {
  const { logger: log } = deps;
  const budgetMs = deps.registerBudgetMs ?? 10_000;

  /** Verified store hash, or undefined after answering 401/503. */
  async function verified(jwt: unknown, reply: FastifyReply, route: string): Promise<SignedPayload | undefined> {
    if (!deps.oauth) {
      await page(reply, 503, 'App not configured', ['BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_CLIENT_SECRET and TOKEN_ENCRYPTION_KEY must be set.']);
      return undefined;
    }
    try {
      return await verifySignedPayload(typeof jwt === 'string' ? jwt : undefined, { clientId: deps.oauth.clientId, clientSecret: deps.oauth.clientSecret, nowMs: deps.clock.now() });
    } catch (err) {
      log.warn({ route, reason: (err as AppError).details?.reason }, 'signed payload rejected');
      await page(reply, 401, 'Unauthorized', ['The request could not be verified.']);
      return undefined;
    }
  }

  // eslint-disable-next-line max-lines-per-function -- the four callbacks in one scope (their headers and rate limit apply to these routes only)
  return async (app) => {
    // Security headers (frame-ancestors: the control panel only) and a rate limit, on these routes only.
    await protectCallbacks(app, deps.rateLimit ?? { max: 60, windowMs: 60_000 }, deps.frameAncestors);

    app.get<{ Querystring: Record<string, unknown> }>('/auth', async (request, reply) => {
      if (!deps.oauth) return page(reply, 503, 'App not configured', ['BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_CLIENT_SECRET and TOKEN_ENCRYPTION_KEY must be set.']);
      const q = AuthQuerySchema.safeParse(request.query);
      if (!q.success) return page(reply, 400, 'Install failed', ['The install request is incomplete (code, scope and context are required).']);
      let grant;
      try {
        grant = await exchangeCode(q.data, deps.oauth);
      } catch (err) {
        const e = err instanceof AppError ? err : new AppError(ErrorCode.STORE_AUTH_UNAVAILABLE, 'token exchange failed', { cause: err });
        const storeHash = storeHashOfContext(q.data.context);
        if (e.code === ErrorCode.STORE_AUTH_CODE_REJECTED) {
          log.warn({ storeHash, code: e.code, details: e.details }, 'install refused');
          return page(reply, 400, 'Install failed', ['The authorization code was not accepted (expired or already used). Please install the app again.']);
        }
        log.error({ storeHash, code: e.code, message: e.message }, 'install failed');
        return page(reply, 502, 'Install failed', ['The app could not complete the installation right now. Please try again in a few minutes.']);
      }
      const { storeHash } = grant;
      try {
        await deps.registry.install(storeHash, grant, deps.clock.now());
      } catch (err) {
        log.error({ storeHash, err }, 'install failed');
        return page(reply, 500, 'Install failed', ['The app could not store the installation. Please try again.']);
      }

      // Webhooks are registered before answering (a few calls), within a budget; the reconcile
      // goes on in the background past it and Scheduler's reconcile retries anything that failed.
      const registration = deps.registerWebhooks(storeHash).catch((err: unknown) => ({ outcome: 'failed', errors: [{ code: ErrorCode.WEBHOOK_RECONCILE_FAILED, message: (err as Error).message }] }));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), budgetMs);
      });
      const hooks = await Promise.race([registration, timeout]);
      clearTimeout(timer);
      if (hooks && hooks.errors.length > 0) log.error({ storeHash, errors: hooks.errors }, 'webhook registration at install incomplete');

      deps.firstSync(storeHash).catch((err: unknown) => log.error({ storeHash, err }, 'first sync failed'));
      log.info({ storeHash, webhooks: hooks?.outcome ?? 'pending' }, 'install complete');
      const hookLine =
        hooks === undefined
          ? 'Webhook registration is still running.'
          : hooks.errors.length === 0
            ? 'Store events are subscribed.'
            : 'Store events could not all be subscribed yet; this is retried automatically.';
      return page(reply, 200, 'Automated Categories installed', [`Store ${storeHash} is connected.`, hookLine, 'The first catalog sync has started.']);
    });

    app.get<{ Querystring: Record<string, unknown> }>('/load', async (request, reply) => {
      const p = await verified(request.query.signed_payload_jwt, reply, 'load');
      if (!p) return reply;
      const store = await deps.directory.get(p.storeHash);
      const life = await deps.registry.lifecycle(p.storeHash);
      if (!store || store.status === 'uninstalled' || !store.accessToken) {
        return page(reply, 200, 'Automated Categories', [`Store ${p.storeHash} is not installed. Install the app again to connect it.`]);
      }
      if (deps.openApp) {
        // The signed payload is in this URL: no referrer may carry it to the assets' requests.
        return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(deps.openApp(p));
      }
      const lines = [
        `Store ${p.storeHash} is connected.`,
        `Category rules: ${store.ruleSet ? store.ruleSet.rules.length : 0}.`,
        `Webhooks last checked: ${life?.webhooksReconciledAtMs ? new Date(life.webhooksReconciledAtMs).toISOString() : 'not yet'}.`,
        `Last processed: ${life?.lastFlushAtMs ? new Date(life.lastFlushAtMs).toISOString() : 'not yet'}.`,
      ];
      return page(reply, 200, 'Automated Categories', lines);
    });

    app.get<{ Querystring: Record<string, unknown> }>('/uninstall', async (request, reply) => {
      const p = await verified(request.query.signed_payload_jwt, reply, 'uninstall');
      if (!p) return reply;
      // A valid payload is not proof (it lives 24 h and is replayable): the registry asks BigCommerce
      // whether the stored token still works before forgetting anything. BigCommerce deletes the
      // app's webhooks itself.
      const r = await deps.registry.uninstall(p.storeHash, { nowMs: deps.clock.now(), issuedAtMs: p.issuedAtMs });
      switch (r.outcome) {
        case 'uninstalled':
        case 'stale':
          return reply.code(200).send({ ok: true, outcome: r.outcome });
        case 'refused':
          return reply.code(409).send({ ok: false, outcome: r.outcome });
        case 'unconfirmed':
          return reply.code(503).send({ ok: false, outcome: r.outcome });
      }
    });

    app.get<{ Querystring: Record<string, unknown> }>('/remove_user', async (request, reply) => {
      // Multi-user access is not used: nothing is stored per user.
      const p = await verified(request.query.signed_payload_jwt, reply, 'remove_user');
      if (!p) return reply;
      return reply.code(200).send({ ok: true });
    });
  };
}
