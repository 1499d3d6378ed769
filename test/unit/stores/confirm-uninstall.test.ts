import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.ts';
import { decideUninstall, probeStoreToken, type TokenState, type UninstallDecision } from '../../../src/stores/confirm-uninstall.ts';

describe('decideUninstall', () => {
  it.each<[TokenState, UninstallDecision]>([
    ['none', { action: 'forget' }],
    ['revoked', { action: 'forget' }],
    ['valid', { action: 'keep', reason: 'token-valid' }],
    ['unknown', { action: 'keep', reason: 'unconfirmed' }],
    ['unreadable', { action: 'keep', reason: 'token-unreadable' }],
  ])('%s -> %j', (state, decision) => {
    expect(decideUninstall(state)).toEqual(decision);
  });
});

describe('probeStoreToken', () => {
  const calls: string[] = [];
  const client = (f: () => Promise<unknown>) => ({
    request: (method: 'GET', path: string) => {
      calls.push(`${method} ${path}`);
      return f();
    },
  });
  const unauthorized = (status: number) => new AppError('BC_UNAUTHORIZED', 'BigCommerce refused the access token', { details: { status } });
  it.each([
    ['the call succeeds', () => Promise.resolve({ status: 200 }), 'valid'],
    ['401', () => Promise.reject(unauthorized(401)), 'revoked'],
    ['403 (a missing scope is not a revoked token)', () => Promise.reject(unauthorized(403)), 'unknown'],
    ['404', () => Promise.reject(new AppError('BC_NOT_FOUND', 'not found', { details: { status: 404 } })), 'unknown'],
    ['5xx after retries', () => Promise.reject(new AppError('BC_SERVER_ERROR', 'down', { retryable: true })), 'unknown'],
    ['a network error', () => Promise.reject(new TypeError('fetch failed')), 'unknown'],
  ] as const)('%s -> %s', async (_name, f, probe) => {
    calls.length = 0;
    expect(await probeStoreToken(client(f))).toBe(probe);
    expect(calls).toEqual(['GET /v3/catalog/products?limit=1&include_fields=date_modified']);
  });
});
