// Acceptance (the merchant app), in real headless Chromium (Debian's `chromium`, driven by
// playwright-core) against the real service process, the Firestore emulator and the sandbox:
// the app opens through /load inside a cross-site iframe with third-party cookies blocked, a rule
// "sale price > 0 -> Sale" is made with the pickers, an invalid value shows its error beside the
// field and saves nothing, the preview's counts match the catalog, apply brings every product into
// line, and explain shows each condition's verdict. Screenshots go to test-artifacts/.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { startSandbox, type Sandbox, type SandboxStore } from '../../src/sandbox/index.ts';
import { signedPayload } from '../../src/sandbox/oauth.ts';
import { createStoreRules } from '../../src/stores/store-rules.ts';
import { planCategoryChanges, type ProductState } from '../../src/rules/plan-category-changes.ts';
import { systemClock } from '../../src/clock.ts';
import { testFirestore } from '../helpers/firestore.ts';
import { startService, type ServiceProcess } from '../helpers/service.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const PROJECT = 'demo-app-browser';
const HASH = 'browserstore';
const PRODUCTS = 300;
const SALE = 50;
const { db, reset } = testFirestore(PROJECT);
const storeRules = createStoreRules({ db, clock: systemClock });

/** Debian's chromium (apt-get install chromium); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

let sandbox: Sandbox;
let store: SandboxStore;
let service: ServiceProcess;
let browser: Browser;
let page: Page;
let app: FrameLocator;
let panel: Server;
/** Products the apply adds to Sale (from the preview's plan): their history must show it. */
let addedToSale = new Set<number>();
/** date_modified before the apply: what the full sync read (its own write moves it afterwards). */
let modifiedBefore = new Map<number, string | undefined>();

/** The app's frame as the merchant sees it, after it painted (a cross-site iframe paints in its own process). */
async function shot(name: string) {
  const frame = page.frames().find((f) => f.url().startsWith(service.url));
  await frame?.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.locator('iframe').screenshot({ path: join(ARTIFACTS, `app-${name}.png`) });
}
const writes = () => {
  const s = sandbox.stats(HASH);
  return s.categoryWrites + s.productWrites;
};

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Picks an option of a BigDesign Select: open it, type to filter, click the option. */
async function pick(testId: string, text: string) {
  const input = app.getByTestId(testId);
  await input.click();
  await input.fill(text);
  await app.getByRole('option', { name: new RegExp(`^${text}`) }).first().click();
}

describe.skipIf(!CHROMIUM)('merchant app in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The service serves the bundle from dist/web: build what is checked out.
    execFileSync(process.execPath, [join(ROOT, 'web/build.ts')], { stdio: 'ignore' });
    await reset();
    sandbox = await startSandbox({});
    store = sandbox.createStore({ hash: HASH, accessToken: 'browser-token', seed: 3 });
    store.seedProducts(PRODUCTS, { seed: 3 });
    // Some products sit in Sale without a sale price (put there by hand): the rule takes them out.
    const handPicked = store.products().filter((p) => p.sale_price === 0).slice(0, 12);
    for (const p of handPicked) store.updateProduct(p.id, { categories: [...p.categories, SALE] });
    // The control panel: a page of another site (localhost vs 127.0.0.1) that embeds the app in an
    // iframe, as BigCommerce does; both on loopback so Chromium's local-network checks stay out of it.
    // It is the one origin the service lets frame its callbacks (APP_FRAME_ANCESTORS), as the
    // control panel's is in production.
    const jwt = await signedPayload(HASH);
    panel = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><body style="margin:0"><iframe src="${service.url}/load?signed_payload_jwt=${jwt}" style="border:0;width:100%;height:1000px"></iframe></body>`);
    });
    await new Promise<void>((r) => panel.listen(0, '127.0.0.1', r));
    const panelOrigin = `http://localhost:${(panel.address() as AddressInfo).port}`;
    service = await startService({
      APP_FRAME_ANCESTORS: panelOrigin,
      GOOGLE_CLOUD_PROJECT: PROJECT,
      FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
      PUBSUB_EMULATOR_HOST: inject('pubsubHost'),
      PUSH_AUTH: 'none',
      BIGCOMMERCE_API_URL: sandbox.url,
      BIGCOMMERCE_LOGIN_URL: sandbox.url,
      BIGCOMMERCE_STORE_HASH: HASH,
      BIGCOMMERCE_ACCESS_TOKEN: 'browser-token',
      BIGCOMMERCE_CLIENT_ID: sandbox.clientId,
      BIGCOMMERCE_CLIENT_SECRET: sandbox.clientSecret,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      // Required with a client id (the OAuth redirect_uri); this test opens the app through /load only.
      APP_URL: 'https://app.example',
      LOG_LEVEL: 'warn',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--test-third-party-cookie-phaseout'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    // Browser-side errors go to the test output: a blank app is otherwise silent.
    page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
    page.on('console', (m) => {
      if (m.type() === 'error') process.stderr.write(`console error: ${m.text()}\n`);
    });
    await page.goto(`${panelOrigin}/manage/app/1`);
    app = page.frameLocator('iframe');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    panel?.close();
    await service?.stop('SIGTERM');
    await sandbox?.close();
    await db.terminate();
  });

  it('opens through /load in a cross-site iframe, with no cookie', async () => {
    await expect.poll(() => app.getByText('Automated Categories').first().isVisible(), { timeout: 20_000 }).toBe(true);
    const frame = page.frames().find((f) => f.url().startsWith(service.url))!;
    expect(await frame.evaluate(() => document.cookie)).toBe('');
    // The session element is gone from the DOM (the token lives in memory only).
    expect(await frame.evaluate(() => document.getElementById('app-session'))).toBeNull();
    await until('the category picker to load', () => app.getByTestId('rule-0-category').isVisible());
    await shot('1-opened');
  });

  it('an invalid rule shows the error beside the field and saves nothing', async () => {
    const before = writes();
    await app.getByTestId('rule-0-name').fill('On sale');
    await pick('rule-0-category', 'Sale');
    await pick('rule-0-leaf-0-field', 'Sale price');
    await pick('rule-0-leaf-0-op', 'is greater than');
    await app.getByTestId('rule-0-leaf-0-value').fill('lots');
    await app.getByTestId('save-button').click();
    await until('the 422 to come back', () => app.getByText(/Nothing was saved/).first().isVisible(), 10_000);
    await shot('2-invalid');
    // The message sits beside the value field (inside its rule's condition row).
    expect(await app.getByTestId('rule-0-leaf-0').textContent()).toMatch(/must be a number or an ISO-8601 date/);
    expect(await storeRules.versions(HASH)).toEqual([]);
    expect(writes()).toBe(before);
  });

  it('creates "sale price > 0 -> Sale" with the pickers; the preview counts match the catalog and write nothing', async () => {
    const before = writes();
    await app.getByTestId('rule-0-leaf-0-value').fill('0');
    await app.getByTestId('preview-button').click();
    await until('the preview result', () => app.getByTestId('preview-result').isVisible());
    const plan = planCategoryChanges(store.products() as unknown as ProductState[], { rules: [{ name: 'On sale', categoryId: SALE, when: { field: 'sale_price', op: 'gt', value: 0 } }] }, Date.now());
    const adds = plan.assign.length;
    addedToSale = new Set(plan.assign.filter((a) => a.categoryId === SALE).map((a) => a.productId));
    modifiedBefore = new Map(store.products().map((p) => [p.id, p.date_modified]));
    const removes = plan.unassign.find((u) => u.categoryId === SALE)?.productIds.length ?? 0;
    expect(adds).toBeGreaterThan(0);
    expect(removes).toBe(12);
    expect(await app.getByTestId('preview-rule-0-add').textContent()).toBe(String(adds));
    expect(await app.getByTestId('preview-rule-0-remove').textContent()).toBe(String(removes));
    expect(await app.getByTestId('preview-summary').textContent()).toContain(`${PRODUCTS} products read`);
    expect(await app.getByTestId('preview-summary').textContent()).toContain(`${Math.ceil(PRODUCTS / 250)} API calls, 0 writes`);
    expect(writes()).toBe(before);
    await shot('3-preview');
  });

  it('apply saves version 1 and every product ends in the right categories', async () => {
    await app.getByTestId('apply-button').click();
    await until('version 1', async () => (await storeRules.versions(HASH)).length === 1);
    const [v1] = await storeRules.versions(HASH);
    expect(v1).toMatchObject({ version: 1, author: { via: 'app', userId: 100 }, ruleSet: { rules: [{ name: 'On sale', categoryId: SALE, when: { field: 'sale_price', op: 'gt', value: 0 } }] } });
    await until('the catalog to conform', () => store.products().every((p) => p.categories.includes(SALE) === p.sale_price > 0));
    await shot('4-applied');
  });

  it('explain shows each condition’s verdict for a product, and its history: the full sync added it to Sale', async () => {
    const onSale = store.products().find((p) => p.sale_price > 0 && addedToSale.has(p.id))!;
    await app.getByText('Explain a product').click();
    await app.getByTestId('explain-query').fill(String(onSale.id));
    // The job writes the history right after the category writes: ask again until it is there.
    await until('the history entry of the apply', async () => {
      await app.getByTestId('explain-button').click();
      await until('the explanation', () => app.getByTestId('explain-result').isVisible());
      return /added to .*Sale/.test((await app.getByTestId('explain-history').textContent()) ?? '');
    });
    const history = (await app.getByTestId('explain-history').textContent()) ?? '';
    expect(history).toContain('full sync');
    expect(history).toContain(`modified ${modifiedBefore.get(onSale.id)!}`);
    expect(history).toMatch(/Last change written: .*added to .*Sale/);
    const leaf = app.getByTestId('explain-rule-0').getByTestId('leaf');
    expect(await leaf.textContent()).toContain('true');
    expect(await leaf.getByTestId('leaf-actual').textContent()).toBe(JSON.stringify(onSale.sale_price));
    expect(await app.getByTestId('explain-result').textContent()).toContain('matches');
    await shot('5-explain');
  });

  it('activity shows the full-sync job done, and its run in the recent syncs', async () => {
    await app.getByText('Activity', { exact: true }).click();
    await until('the full-sync job', () => app.getByTestId('activity-full-sync').isVisible());
    const job = (await app.getByTestId('activity-full-sync').textContent()) ?? '';
    expect(job).toContain('done');
    expect(job).toContain(`${PRODUCTS} of ${PRODUCTS} products`);
    expect((await app.getByText('Recent syncs').locator('xpath=ancestor::*[3]').textContent()) ?? '').toContain('full');
    await shot('6-activity');
  });
});
