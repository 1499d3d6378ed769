// `doctor` against the sandbox and the Pub/Sub emulator: a healthy setup passes (the IAM check is
// honestly unverifiable on the emulator, which has no IAM), and each seeded breakage names the
// failing contract: a revoked token, a missing topic, a missing publisher permission, a missing
// scope; plus the OR reading of the assignment filters. The CLI entry is run in-process.
import Fastify from 'fastify';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createCategoryAssignments } from '../../src/bigcommerce/category-assignments.ts';
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts';
import { runCli } from '../../src/cli/cli.ts';
import { doctorGroup, runDoctor, type DoctorDeps, type DoctorReport } from '../../src/cli/doctor.ts';
import { createPubSubInspector } from '../../src/cli/pubsub-inspector.ts';
import { parseRuleSet } from '../../src/rules/rule-set-schema.ts';
import { startSandbox, type Sandbox, type StoreOptions } from '../../src/sandbox/index.ts';

const PROJECT = 'demo-doctor';
const pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: inject('pubsubHost') });
const TOPIC_ID = `bc-doctor-${Date.now()}`;
const TOPIC = `projects/${PROJECT}/topics/${TOPIC_ID}`;
const SCOPES = ['store/product/*', 'store/sku/*', 'store/category/*'];
const RULES = parseRuleSet({ rules: [{ name: 'sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } }] }, 'test');
const AUTH_CALLBACK = 'https://app.example/auth';
let sandbox: Sandbox;
let pushEndpoint: string;
const receiver = Fastify();

beforeAll(async () => {
  // The service's push endpoint stand-in: acks everything the hooks publish.
  receiver.post('/pubsub/push', (_req, reply) => reply.code(204).send());
  pushEndpoint = `${await receiver.listen({ port: 0, host: '127.0.0.1' })}/pubsub/push`;
  const [topic] = await pubsub.createTopic(TOPIC_ID);
  await topic.createSubscription(`${TOPIC_ID}-push`, { pushConfig: { pushEndpoint } });
  sandbox = await startSandbox({ pubsub: { projectId: PROJECT, apiEndpoint: inject('pubsubHost') }, authCallbackUrl: AUTH_CALLBACK });
});
afterAll(async () => {
  await sandbox.close();
  await pubsub.close();
  await receiver.close();
});

let n = 0;
/** A store as the service leaves it after install: products in category 50, our hooks active. */
function healthyStore(opts: Partial<StoreOptions> = {}) {
  const hash = `doc${++n}`;
  const store = sandbox.createStore({ hash, accessToken: `tok-${hash}`, categoryIds: [10, 50], ...opts });
  store.seedProducts(10, { seed: n, startId: 1 });
  store.bulkUpdate([1, 2, 3], () => ({ categories: [10, 50] }));
  for (const scope of SCOPES) store.addHook({ scope, destination: TOPIC });
  return { hash, store };
}

function deps(hash: string, o: Partial<DoctorDeps> & { token?: string } = {}): DoctorDeps {
  return {
    storeHash: hash,
    client: createBigCommerceClient({ apiUrl: sandbox.url, storeHash: hash, accessToken: o.token ?? `tok-${hash}`, requestBudgetMs: 5_000 }),
    pubsub: createPubSubInspector(pubsub),
    topic: TOPIC,
    recordedScopes: ['store_v2_products'],
    ruleSet: RULES,
    ownClientId: sandbox.clientId,
    push: { endpoint: pushEndpoint, serviceAccount: undefined, oidc: false },
    ...o,
  };
}

const statuses = (r: DoctorReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
const check = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)!;

describe('doctor', () => {
  it('passes on a healthy store and project; the publisher IAM check is unverifiable on the emulator', async () => {
    const { hash } = healthyStore();
    const r = await runDoctor(deps(hash));
    expect(statuses(r)).toEqual({
      'bc.token': 'pass',
      'bc.scopes': 'pass',
      'bc.id-in-read': 'pass',
      'bc.rate-limit-headers': 'pass',
      'bc.category-tree': 'pass',
      'bc.assignment-filter': 'pass',
      'bc.webhook-listing': 'pass',
      'bc.graphql-schema': 'pass',
      'bc.webhooks-active': 'pass',
      'gcp.topic': 'pass',
      'gcp.publisher': 'unverifiable',
      'gcp.push-subscription': 'pass',
    });
    expect(r.ok).toBe(true);
    expect(check(r, 'gcp.publisher').detail).toMatch(/no IAM.*UNIMPLEMENTED/);
  });

  it('a revoked token: bc.token fails with the fix, BigCommerce checks that need it are unverifiable', async () => {
    const { hash } = healthyStore();
    const r = await runDoctor(deps(hash, { token: 'revoked-token' }));
    expect(r.ok).toBe(false);
    expect(check(r, 'bc.token')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/BC_UNAUTHORIZED.*HTTP 401/), fix: expect.stringMatching(/reinstall the app/) });
    for (const id of ['bc.id-in-read', 'bc.category-tree', 'bc.webhook-listing', 'bc.graphql-schema']) expect(check(r, id).status).toBe('unverifiable');
  });

  it('a missing topic: gcp.topic fails (terraform apply); the checks that need it are unverifiable', async () => {
    const { hash } = healthyStore();
    const missing = `projects/${PROJECT}/topics/never-created-${Date.now()}`;
    const r = await runDoctor(deps(hash, { topic: missing }));
    expect(check(r, 'gcp.topic')).toMatchObject({ status: 'fail', detail: `${missing} does not exist`, fix: expect.stringMatching(/terraform apply/) });
    expect(check(r, 'gcp.publisher').status).toBe('unverifiable');
    expect(check(r, 'gcp.push-subscription').status).toBe('unverifiable');
    expect(check(r, 'bc.webhooks-active').status).toBe('fail'); // no hook of ours publishes there
  });

  it('a missing publisher permission: BigCommerce deactivates the hooks, bc.webhooks-active names the grant', async () => {
    const { hash, store } = healthyStore();
    store.setTopicsWithoutPermission([TOPIC]);
    store.updateProduct(5, { price: 1234 }); // BigCommerce tries to publish and is refused
    await store.flushEvents();
    const r = await runDoctor(deps(hash));
    expect(r.ok).toBe(false);
    expect(check(r, 'bc.webhooks-active')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/DEACTIVATED.*publisher permission/),
      fix: expect.stringContaining('roles/pubsub.publisher'),
    });
    expect(check(r, 'gcp.publisher').status).toBe('unverifiable');
  });

  it('a publisher binding is read from the topic IAM policy where IAM exists', async () => {
    const { hash } = healthyStore();
    const withIam = (members: string[]) => ({ ...createPubSubInspector(pubsub), topicIamBindings: () => Promise.resolve([{ role: 'roles/pubsub.publisher', members }]) });
    const granted = await runDoctor(deps(hash, { pubsub: withIam(['serviceAccount:webhook-deliveries@bigcommerce-platform.iam.gserviceaccount.com']) }));
    expect(check(granted, 'gcp.publisher').status).toBe('pass');
    const other = await runDoctor(deps(hash, { pubsub: withIam(['serviceAccount:someone@p.iam.gserviceaccount.com']) }));
    expect(check(other, 'gcp.publisher')).toMatchObject({ status: 'fail', fix: expect.stringContaining('add-iam-policy-binding') });
  });

  it('a missing scope: an app installed with read-only products fails bc.scopes; the sandbox refuses its writes with 403', async () => {
    const { hash } = healthyStore();
    const grant = sandbox.install(hash, { scope: 'store_v2_products_read_only', redirectUri: AUTH_CALLBACK });
    const res = await fetch(`${sandbox.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: sandbox.clientId, client_secret: sandbox.clientSecret, code: grant.code, context: grant.context, scope: grant.scope, grant_type: 'authorization_code', redirect_uri: AUTH_CALLBACK }),
    });
    const token = (await res.json()) as { access_token: string; scope: string };
    const r = await runDoctor(deps(hash, { token: token.access_token, recordedScopes: token.scope.split(' ') }));
    expect(check(r, 'bc.scopes')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/granted: store_v2_products_read_only/), fix: expect.stringMatching(/Products: modify/) });
    expect(check(r, 'bc.token').status).toBe('pass');
    const write = await createCategoryAssignments(createBigCommerceClient({ apiUrl: sandbox.url, storeHash: hash, accessToken: token.access_token }))
      .assign([{ product_id: 1, category_id: 10 }])
      .catch((e: unknown) => e);
    expect(write).toMatchObject({ code: 'BC_UNAUTHORIZED', details: { status: 403 } });
  });

  it('[U] assignment filters that combine with OR fail bc.assignment-filter (the combined DELETE would empty categories)', async () => {
    const { hash } = healthyStore({ assignmentFilterJoin: 'or' });
    const r = await runDoctor(deps(hash));
    expect(check(r, 'bc.assignment-filter')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/combine with OR/) });
  });

  it('a rule category missing from the tree fails bc.category-tree', async () => {
    const { hash } = healthyStore({ categoryIds: [10] });
    const r = await runDoctor(deps(hash));
    expect(check(r, 'bc.category-tree')).toMatchObject({ status: 'fail', detail: 'categories not found: 50' });
  });

  it('npm run cli -- doctor --store HASH: prints the table, exit 0 when healthy, 1 with the failing check named', async () => {
    const { hash } = healthyStore();
    const env = (token: string) => ({
      GOOGLE_CLOUD_PROJECT: PROJECT,
      FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
      PUBSUB_EMULATOR_HOST: inject('pubsubHost'),
      BIGCOMMERCE_API_URL: sandbox.url,
      BIGCOMMERCE_STORE_HASH: hash,
      BIGCOMMERCE_ACCESS_TOKEN: token,
      WEBHOOK_TOPIC: TOPIC_ID,
    });
    const run = async (e: Record<string, string>) => {
      const out: string[] = [];
      const code = await runCli(['doctor', '--store', hash], [doctorGroup], { out: (t) => out.push(t), err: (t) => out.push(t), env: e });
      return { code, out: out.join('\n') };
    };
    const ok = await run(env(`tok-${hash}`));
    expect(ok.out).toMatch(/CHECK\s+RESULT\s+CONTRACT\s+DETAIL/);
    expect(ok.out).toMatch(/bc\.scopes\s+UNVERIFIABLE/); // a store-level token: no recorded scopes
    expect(ok.out).toMatch(/gcp\.push-subscription\s+PASS/);
    expect(ok.code).toBe(0);
    const bad = await run(env('revoked'));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/bc\.token\s+FAIL/);
    expect(bad.out).toMatch(/Fixes:\n {2}bc\.token: the token was revoked/);
    expect((await run({ ...env(`tok-${hash}`) })).code).toBe(0);
    const usage = await runCli(['doctor'], [doctorGroup], { out: () => undefined, err: () => undefined, env: env('x') });
    expect(usage).toBe(2);
  });
});
