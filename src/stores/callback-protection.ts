import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';

/**
 * Protection of the public app callbacks (`/auth`, `/load`, `/uninstall`, `/remove_user`): anyone on
 * the internet can call them, and `/auth` and `/load` render inside BigCommerce's control panel.
 * Mounted inside the callbacks' own plugin scope, so nothing here touches `/pubsub/push` or the
 * task routes (whose callers are Google services behind PUSH_AUTH).
 *
 * Framing. The pages may be framed only by BigCommerce's control panel. BigCommerce publishes no
 * frame-ancestors list; its docs show where the control panel lives:
 *  - `https://store-{store_hash}.mybigcommerce.com/manage` ("the control panel URL, which takes the
 *    following form", https://developer.bigcommerce.com/docs/storefront/catalyst/development/environment-variables),
 *    also in the Unified Billing examples (`https://store-….mybigcommerce.com/manage/app/…`,
 *    https://developer.bigcommerce.com/docs/integrations/apps/unified-billing/example-queries), and
 *    store names other than `store-{hash}` in the B2B examples (`https://sylvia-apptest-store.mybigcommerce.com/manage/…`);
 *  - `https://login.bigcommerce.com`, the origin of the install flow that loads `/auth` in the
 *    iframe (`Referer: https://login.bigcommerce.com/`, https://developer.bigcommerce.com/docs/integrations/apps/guide/auth)
 *    and of the control panel's deep links (`https://login.bigcommerce.com/deep-links/manage/…`).
 * Hence `frame-ancestors https://*.mybigcommerce.com https://login.bigcommerce.com`; X-Frame-Options
 * is left out (it cannot name another origin, and CSP supersedes it).
 *
 * Referrer. `no-referrer`: the callback URLs carry `signed_payload_jwt`; no Referer may carry it on.
 *
 * Rate limit. Per client address, per instance (in memory; Cloud Run instances each count their own).
 * Behind Cloud Run the socket peer is Google's front end, which appends the real client address as the
 * LAST `X-Forwarded-For` entry; earlier entries are whatever the client sent, so they are ignored.
 */
export const CONTROL_PANEL_FRAME_ANCESTORS = ['https://*.mybigcommerce.com', 'https://login.bigcommerce.com'] as const;

export interface CallbackRateLimit {
  /** Requests per client address per window. */
  max: number;
  windowMs: number;
}

/** The rate-limit key: the address Cloud Run's front end saw (last X-Forwarded-For entry), else the socket peer. */
export function callbackClientKey(forwardedFor: string | string[] | undefined, socketIp: string): string {
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const last = header
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .at(-1);
  return last ?? socketIp;
}

/**
 * Helmet's defaults (default-src 'self', no plugins, no base-uri, upgrade-insecure-requests, ...)
 * with framing opened to the control panel only (or the origins APP_FRAME_ANCESTORS names).
 */
export function callbackHelmetOptions(frameAncestors: readonly string[] = CONTROL_PANEL_FRAME_ANCESTORS) {
  return {
    contentSecurityPolicy: { directives: { frameAncestors: [...frameAncestors] } },
    xFrameOptions: false,
    referrerPolicy: { policy: 'no-referrer' as const },
  } as const;
}

/** Registers helmet and the rate limit on the given (encapsulated) scope; await it before adding routes. */
export async function protectCallbacks(app: FastifyInstance, limit: CallbackRateLimit, frameAncestors?: readonly string[]): Promise<void> {
  await app.register(helmet, callbackHelmetOptions(frameAncestors));
  await app.register(rateLimit, {
    global: true,
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request) => callbackClientKey(request.headers['x-forwarded-for'], request.ip),
    // Thrown to the app's error handler, which answers `{ error: code, message }` with this status.
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, code: 'HTTP_RATE_LIMITED', message: `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s` }),
  });
}
