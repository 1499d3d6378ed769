import { isAppError, ErrorCode } from '../errors.ts';

/**
 * Forgetting a store (deleting its token, dropping its work) is irreversible until the merchant
 * reinstalls, and both signals that ask for it can be replayed: a `signed_payload_jwt` is valid for
 * 24 h and travels in iframe URLs and request logs, and an uninstall event can be republished. So
 * the only proof trusted is BigCommerce itself: one cheap authenticated call with the stored token.
 *
 *  | what the stored token does        | state        | decision                                   |
 *  |-----------------------------------|--------------|--------------------------------------------|
 *  | no token stored                   | none         | forget (nothing to lose; marks it uninstalled) |
 *  | BigCommerce answers 401           | revoked      | forget                                     |
 *  | BigCommerce answers the call      | valid        | keep, record the refusal (`token-valid`)   |
 *  | 5xx / 403 / 404 / network / 429   | unknown      | keep, record (`unconfirmed`): retried later |
 *  | does not decrypt with the keyring | unreadable   | keep, record (`token-unreadable`)          |
 *
 * 403 is not proof: it means the token lacks a scope, not that it was revoked. Only 401 is.
 */
export type TokenProbe = 'revoked' | 'valid' | 'unknown';
export type TokenState = 'none' | 'unreadable' | TokenProbe;
export type KeepReason = 'token-valid' | 'unconfirmed' | 'token-unreadable';
export type UninstallDecision = { action: 'forget' } | { action: 'keep'; reason: KeepReason };

export function decideUninstall(state: TokenState): UninstallDecision {
  switch (state) {
    case 'none':
    case 'revoked':
      return { action: 'forget' };
    case 'valid':
      return { action: 'keep', reason: 'token-valid' };
    case 'unknown':
      return { action: 'keep', reason: 'unconfirmed' };
    case 'unreadable':
      return { action: 'keep', reason: 'token-unreadable' };
  }
}

/** The probe request: one product id, the cheapest call every token of this app may make (products scope). */
export const TOKEN_PROBE_PATH = '/v3/catalog/products?limit=1&include_fields=date_modified';

/** One `GET TOKEN_PROBE_PATH` with the store's token; only the transport is needed. */
export async function probeStoreToken(client: { request(method: 'GET', pathAndQuery: string): Promise<unknown> }): Promise<TokenProbe> {
  try {
    await client.request('GET', TOKEN_PROBE_PATH);
    return 'valid';
  } catch (err) {
    return isAppError(err, ErrorCode.BC_UNAUTHORIZED) && err.details?.status === 401 ? 'revoked' : 'unknown';
  }
}
