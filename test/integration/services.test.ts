// The composition root every entry point shares: the pieces it hands out are wired the same way
// whoever asks (the server, the CLI, a test), against the Firestore emulator.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock } from '../../src/clock.ts';
import { createClientCache, createServices, oauthSettings } from '../../src/services.ts';
import { RULES_JSON } from '../../scripts/lib/storm.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { testConfig } from '../helpers/services.ts';

const { db, reset } = testFirestore('demo-services');
beforeEach(reset);
afterAll(() => db.terminate());
const logger = pino({ level: 'silent' });

describe('createServices', () => {
  it('gives every store the CATEGORY_RULES_FILE rules (the CLI copy once had none)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'services-'));
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(RULES_JSON));
    const config = testConfig({ CATEGORY_RULES_FILE: join(dir, 'rules.json'), BIGCOMMERCE_STORE_HASH: 'one', BIGCOMMERCE_ACCESS_TOKEN: 't' });
    const services = await createServices(config, { db, logger });
    const store = await services.directory.get('one');
    expect(store?.ruleSet?.rules.map((r) => r.categoryId)).toEqual([50, 51, 52]);
    await services.close();
    // The caller's Firestore stays open after close().
    expect((await db.collection('probe').doc('x').get()).exists).toBe(false);
  });

  it('builds the webhook reconciler and its routes only when WEBHOOK_TOPIC is set', async () => {
    const off = await createServices(testConfig(), { db, logger });
    expect(off.reconciler).toBeUndefined();
    expect(off.app.plugins).toHaveLength(2); // tasks, app callbacks
    const on = await createServices(testConfig({ WEBHOOK_TOPIC: 'bc-webhooks' }), { db, logger });
    expect(on.desired?.destination).toBe('projects/demo-test/topics/bc-webhooks');
    expect(on.app.plugins).toHaveLength(3);
    await Promise.all([off.close(), on.close()]);
  });

  it('fails on a bad rules file before it opens anything', async () => {
    const config = testConfig({ CATEGORY_RULES_FILE: '/nonexistent/rules.json' });
    await expect(createServices(config, { logger })).rejects.toThrow();
  });
});

describe('createClientCache', () => {
  it('hands out one client per store and token, on the configured API URL and the injected fetch', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const fetchStub: typeof fetch = (input) => {
      seen.push(input instanceof Request ? input.url : input.toString());
      return Promise.resolve(new Response('{"data":[],"meta":{"pagination":{"total":0,"count":0,"per_page":1,"current_page":1,"total_pages":0}}}', { status: 200 }));
    };
    const clientFor = createClientCache(testConfig({ BIGCOMMERCE_API_URL: 'http://bc.test' }), { clock, logger, fetch: fetchStub });
    const a = clientFor({ storeHash: 's1', accessToken: 't1' });
    expect(clientFor({ storeHash: 's1', accessToken: 't1' })).toBe(a);
    expect(clientFor({ storeHash: 's1', accessToken: 't2' })).not.toBe(a); // reinstall: a new token
    expect(clientFor({ storeHash: 's2', accessToken: 't1' })).not.toBe(a);
    await a.request('GET', '/v3/catalog/products?limit=1');
    expect(seen).toEqual(['http://bc.test/stores/s1/v3/catalog/products?limit=1']);
  });
});

describe('oauthSettings', () => {
  it('needs client id, secret and encryption key; APP_URL gives the redirect URI', () => {
    const key = 'a'.repeat(64);
    expect(oauthSettings(testConfig({ BIGCOMMERCE_CLIENT_ID: 'id', BIGCOMMERCE_CLIENT_SECRET: 's', APP_URL: 'https://app.example' }))).toBeUndefined();
    expect(oauthSettings(testConfig({ BIGCOMMERCE_CLIENT_ID: 'id', BIGCOMMERCE_CLIENT_SECRET: 's', TOKEN_ENCRYPTION_KEY: key, APP_URL: 'https://app.example/' }))).toEqual({
      clientId: 'id',
      clientSecret: 's',
      loginUrl: 'https://login.bigcommerce.com',
      redirectUri: 'https://app.example/auth',
    });
  });
});
