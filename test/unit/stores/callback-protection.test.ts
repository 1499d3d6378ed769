import { describe, expect, it } from 'vitest';
import { callbackClientKey, CONTROL_PANEL_FRAME_ANCESTORS } from '../../../src/stores/callback-protection.ts';

describe('callbackClientKey (rate-limit key behind Cloud Run)', () => {
  it.each([
    ['no header: the socket peer', undefined, '10.0.0.1'],
    ['the entry Cloud Run appended', '203.0.113.7', '203.0.113.7'],
    ['client-sent entries before it are ignored', '1.2.3.4, 5.6.7.8, 203.0.113.7', '203.0.113.7'],
    ['spaces and empty entries', ' 1.2.3.4 ,, 203.0.113.7 , ', '203.0.113.7'],
    ['repeated headers', ['1.2.3.4', '203.0.113.7'], '203.0.113.7'],
    ['an empty header', '', '10.0.0.1'],
  ])('%s', (_name, header, key) => {
    expect(callbackClientKey(header, '10.0.0.1')).toBe(key);
  });
});

describe('frame-ancestors', () => {
  it('names only https BigCommerce control-panel origins, never a bare wildcard', () => {
    for (const o of CONTROL_PANEL_FRAME_ANCESTORS) expect(o).toMatch(/^https:\/\/(\*\.)?[a-z.]+\.com$/);
    expect(CONTROL_PANEL_FRAME_ANCESTORS).toEqual(['https://*.mybigcommerce.com', 'https://login.bigcommerce.com']);
  });
});
