// `npm run cli -- doctor --store HASH`: a read-only check of every BigCommerce and Pub/Sub contract
// the service relies on (docs/bigcommerce-contracts.md), against the live store and GCP project.
// Prints one row per check (pass / fail / unverifiable) and the fix for each failure; exits 1 on
// any failure. Nothing is written anywhere: only GETs, the GraphQL listing and introspection, and
// Pub/Sub metadata reads.
import { PubSub } from '@google-cloud/pubsub';
import { pino } from 'pino';
import { loadConfig } from '../config.ts';
import type { BigCommerceClient, BigCommerceResponse } from '../bigcommerce/client.ts';
import { createServices } from '../services.ts';
import { isAppError } from '../errors.ts';
import { topicDestination } from '../webhooks/desired-webhooks.ts';
import { cliConfig, CliUsageError, type CliGroup, type CliIo } from './cli.ts';
import { isStoreHash } from '../bigcommerce/store-hash.ts';
// Types only: the module itself is loaded lazily (a devDependency, absent from the production image).
import type * as GraphqlJs from 'graphql';
import { productsByIdsPath } from '../bigcommerce/catalog-paths.ts';
import { productFetchOptions } from '../rules/required-fields.ts';
import type { RuleSet } from '../rules/rule-set-schema.ts';
import {
  BIGCOMMERCE_PUBLISHER,
  createWebhooksApi,
  CREATE_PUBSUB_WEBHOOK_MUTATION,
  deleteWebhookMutation,
  LIST_WEBHOOKS_QUERY,
  UPDATE_PUBSUB_WEBHOOK_MUTATION,
} from '../bigcommerce/webhooks.ts';
import { isHookActive, type ExistingWebhook } from '../webhooks/plan-reconcile.ts';
import { createPubSubInspector, type PubSubInspector } from './pubsub-inspector.ts';

export type CheckStatus = 'pass' | 'fail' | 'unverifiable';

export interface DoctorCheck {
  /** Stable id, e.g. `bc.token`. */
  id: string;
  /** The contract checked, in a few words. */
  contract: string;
  status: CheckStatus;
  detail: string;
  /** What to do, for a failure (and for some unverifiable checks). */
  fix?: string | undefined;
}

export interface DoctorReport {
  storeHash: string;
  checks: DoctorCheck[];
  ok: boolean;
}

/** The OAuth scope the service needs: it writes category assignments (reference §6). */
export const REQUIRED_SCOPE = 'store_v2_products';
const RATE_HEADERS = ['x-rate-limit-time-window-ms', 'x-rate-limit-time-reset-ms', 'x-rate-limit-requests-quota', 'x-rate-limit-requests-left'];
/** Roles that include pubsub.topics.publish. */
const PUBLISHER_ROLES = new Set(['roles/pubsub.publisher', 'roles/pubsub.editor', 'roles/pubsub.admin', 'roles/editor', 'roles/owner']);

export interface DoctorDeps {
  storeHash: string;
  /** A client with the store's token; undefined when the service has no token for the store. */
  client: BigCommerceClient | undefined;
  pubsub: PubSubInspector;
  /** `projects/P/topics/T` (WEBHOOK_TOPIC); undefined when not configured. */
  topic: string | undefined;
  /** Scopes recorded at install (app flow); undefined for a store-level API account token. */
  recordedScopes: readonly string[] | undefined;
  ruleSet: RuleSet | undefined;
  ownClientId: string | undefined;
  /** What the push subscription must look like: endpoint (`{service}/pubsub/push`) and OIDC account, when known. */
  push: { endpoint: string | undefined; serviceAccount: string | undefined; oidc: boolean };
  /** graphql-js for the schema check (a devDependency: loaded lazily, absent in the production image). */
  loadGraphql?: () => Promise<typeof GraphqlJs>;
}

type Check = Omit<DoctorCheck, 'id' | 'contract'>;
const pass = (detail: string): Check => ({ status: 'pass', detail });
const fail = (detail: string, fix: string): Check => ({ status: 'fail', detail, fix });
const unverifiable = (detail: string, fix?: string): Check => ({ status: 'unverifiable', detail, ...(fix ? { fix } : {}) });

const describeError = (err: unknown): string => (isAppError(err) ? `${err.code}: ${err.message}${typeof err.details?.status === 'number' ? ` (HTTP ${err.details.status})` : ''}` : err instanceof Error ? err.message : String(err));
const httpStatus = (err: unknown): unknown => (isAppError(err) ? err.details?.status : undefined);

/** Every category id the rules assign (what the category tree must hold). */
function ruleCategoryIds(ruleSet: RuleSet | undefined): number[] {
  return [...new Set((ruleSet?.rules ?? []).map((r) => r.categoryId))].sort((a, b) => a - b);
}

// eslint-disable-next-line max-lines-per-function -- one check after another, in the order the report prints them; each check is a few lines and shares the accumulated state (token works, hooks listed)
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const add = (id: string, contract: string, c: Check) => checks.push({ id, contract, ...c });
  const { client } = deps;
  const noToken = unverifiable('needs a working access token (see bc.token)');

  // ---------------------------------------------------------------- BigCommerce REST
  let tokenWorks = false;
  let sampleIds: number[] = [];
  if (!client) {
    add('bc.token', 'access token accepted', fail(`no access token for store ${deps.storeHash}`, 'install the app on the store (or set BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN)'));
  } else {
    try {
      const res = await client.request<{ data?: { id?: unknown }[] }>('GET', '/v3/catalog/products?limit=3&include_fields=date_modified');
      sampleIds = (res.body.data ?? []).map((p) => p.id).filter((id): id is number => typeof id === 'number');
      tokenWorks = true;
      add('bc.token', 'access token accepted', pass(`catalog read answered ${res.status}`));
    } catch (err) {
      const status = httpStatus(err);
      if (status === 401) {
        add('bc.token', 'access token accepted', fail(`BigCommerce refused the token: ${describeError(err)}`, 'the token was revoked or belongs to another store: reinstall the app on the store (or replace BIGCOMMERCE_ACCESS_TOKEN)'));
      } else if (status === 403) {
        add('bc.token', 'access token accepted', fail(`the token may not read products: ${describeError(err)}`, `grant the ${REQUIRED_SCOPE} scope (Products: modify), then reinstall / re-authorise`));
      } else {
        add('bc.token', 'access token accepted', fail(describeError(err), 'check BIGCOMMERCE_API_URL and the store hash'));
      }
    }
  }

  if (deps.recordedScopes === undefined) {
    add('bc.scopes', `token has ${REQUIRED_SCOPE}`, unverifiable('no scopes recorded for this token (store-level API account): a read-only check cannot prove the modify scope', `make sure the API account has Products: modify (${REQUIRED_SCOPE})`));
  } else if (deps.recordedScopes.includes(REQUIRED_SCOPE)) {
    add('bc.scopes', `token has ${REQUIRED_SCOPE}`, pass(`granted: ${deps.recordedScopes.join(' ')}`));
  } else {
    add(
      'bc.scopes',
      `token has ${REQUIRED_SCOPE}`,
      fail(
        `granted: ${deps.recordedScopes.join(' ') || '(none)'}; category assignments need ${REQUIRED_SCOPE}`,
        `add Products: modify (${REQUIRED_SCOPE}) to the app's scopes in the Developer Portal and have the merchant re-authorise the app`,
      ),
    );
  }

  let lastHeaders: Headers | undefined;
  if (!client || !tokenWorks) {
    add('bc.id-in-read', 'GET products?id:in with include_fields', noToken);
  } else if (sampleIds.length === 0) {
    add('bc.id-in-read', 'GET products?id:in with include_fields', unverifiable('the catalog is empty: no ids to read'));
  } else {
    const opts = deps.ruleSet ? productFetchOptions(deps.ruleSet) : { includeFields: ['categories'], include: [] };
    try {
      const res: BigCommerceResponse<{ data?: Record<string, unknown>[] }> = await client.request('GET', productsByIdsPath(sampleIds, opts));
      lastHeaders = res.headers;
      const rows = res.body.data ?? [];
      const missingIds = sampleIds.filter((id) => !rows.some((r) => r.id === id));
      const wanted = opts.includeFields.filter((f) => f !== 'id' && f !== 'custom_fields');
      const missingFields = wanted.filter((f) => rows.some((r) => !(f in r)));
      if (missingIds.length > 0 || missingFields.length > 0) {
        add(
          'bc.id-in-read',
          'GET products?id:in with include_fields',
          fail(`ids missing: ${missingIds.join(',') || '-'}; fields missing: ${missingFields.join(',') || '-'}`, 'the id:in read does not return what the rules need: report it with the request URL'),
        );
      } else {
        add('bc.id-in-read', 'GET products?id:in with include_fields', pass(`${rows.length} products with ${wanted.join(',') || 'all fields'}`));
      }
    } catch (err) {
      add('bc.id-in-read', 'GET products?id:in with include_fields', fail(describeError(err), httpStatus(err) === 422 ? 'a rule reads a field outside the published include_fields list: fix the rules' : 'see the error'));
    }
  }

  if (!lastHeaders) {
    add('bc.rate-limit-headers', 'X-Rate-Limit-* on responses', tokenWorks ? unverifiable('no id:in response to inspect') : noToken);
  } else {
    const headers = lastHeaders;
    const missing = RATE_HEADERS.filter((h) => !/^\d+$/.test(headers.get(h) ?? ''));
    add(
      'bc.rate-limit-headers',
      'X-Rate-Limit-* on responses',
      missing.length === 0
        ? pass(`left ${headers.get('x-rate-limit-requests-left')} of ${headers.get('x-rate-limit-requests-quota')} per ${headers.get('x-rate-limit-time-window-ms')} ms`)
        : fail(`missing or not numeric: ${missing.join(', ')}`, 'the client paces itself on these headers: check that no proxy strips them'),
    );
  }

  if (!client || !tokenWorks) {
    add('bc.category-tree', 'rule categories exist in the category tree', noToken);
  } else {
    const wanted = ruleCategoryIds(deps.ruleSet);
    const path = wanted.length > 0 ? `/v3/catalog/trees/categories?category_id:in=${wanted.join(',')}&limit=250` : '/v3/catalog/trees/categories?limit=1';
    try {
      const res = await client.request<{ data?: { category_id?: unknown }[] }>('GET', path);
      const found = new Set((res.body.data ?? []).map((c) => c.category_id));
      const missing = wanted.filter((id) => !found.has(id));
      add(
        'bc.category-tree',
        'rule categories exist in the category tree',
        missing.length > 0
          ? fail(`categories not found: ${missing.join(', ')}`, 'create them in the store, or fix the categoryId of the rules that use them')
          : pass(wanted.length > 0 ? `categories ${wanted.join(', ')} exist` : 'category tree readable (no rules to check)'),
      );
    } catch (err) {
      add('bc.category-tree', 'rule categories exist in the category tree', fail(describeError(err), 'the token must be able to read categories'));
    }
  }

  if (!client || !tokenWorks) {
    add('bc.assignment-filter', 'product_id:in AND category_id:in', noToken);
  } else {
    add('bc.assignment-filter', 'product_id:in AND category_id:in', await probeAssignmentFilter(client));
  }

  // ---------------------------------------------------------------- BigCommerce GraphQL (webhooks)
  let hooks: ExistingWebhook[] | undefined;
  if (!client || !tokenWorks) {
    add('bc.webhook-listing', 'GraphQL store.webhooks listing', noToken);
  } else {
    try {
      hooks = await createWebhooksApi(client).list();
      add('bc.webhook-listing', 'GraphQL store.webhooks listing', pass(`${hooks.length} webhooks listed`));
    } catch (err) {
      add('bc.webhook-listing', 'GraphQL store.webhooks listing', fail(describeError(err), 'see the error; WEBHOOK_GRAPHQL_ERROR means the live schema refuses the query (compare with bc.graphql-schema)'));
    }
  }

  if (!client || !tokenWorks) {
    add('bc.graphql-schema', 'service GraphQL operations valid on the live schema', noToken);
  } else {
    add('bc.graphql-schema', 'service GraphQL operations valid on the live schema', await validateOperations(client, deps.loadGraphql ?? (() => import('graphql'))));
  }

  if (!hooks) {
    add('bc.webhooks-active', 'our webhooks to the topic are ACTIVE', unverifiable('needs the webhook listing'));
  } else if (!deps.topic) {
    add('bc.webhooks-active', 'our webhooks to the topic are ACTIVE', fail('WEBHOOK_TOPIC is not set', 'set WEBHOOK_TOPIC to the topic BigCommerce publishes to'));
  } else {
    const ours = hooks.filter((h) => h.destination === deps.topic && (deps.ownClientId === undefined || h.clientId === undefined || h.clientId === deps.ownClientId));
    const inactive = ours.filter((h) => !isHookActive(h));
    if (ours.length === 0) {
      add('bc.webhooks-active', 'our webhooks to the topic are ACTIVE', fail(`no webhook of ours publishes to ${deps.topic}`, `npm run cli -- webhooks sync --store ${deps.storeHash}`));
    } else if (inactive.length > 0) {
      add(
        'bc.webhooks-active',
        'our webhooks to the topic are ACTIVE',
        fail(
          `${inactive.length} of ${ours.length} hooks not active (${[...new Set(inactive.map((h) => h.status ?? 'inactive'))].join(', ')}): BigCommerce deactivates a hook when the topic is deleted or its publisher permission removed`,
          `grant roles/pubsub.publisher on ${deps.topic} to serviceAccount:${BIGCOMMERCE_PUBLISHER}, then npm run cli -- webhooks sync --store ${deps.storeHash}`,
        ),
      );
    } else {
      add('bc.webhooks-active', 'our webhooks to the topic are ACTIVE', pass(`${ours.length} active: ${ours.map((h) => h.scope).join(', ')}`));
    }
  }

  // ---------------------------------------------------------------- Pub/Sub
  let topicExists = false;
  if (!deps.topic) {
    add('gcp.topic', 'the webhook topic exists', fail('WEBHOOK_TOPIC is not set', 'set WEBHOOK_TOPIC (terraform output) for the service and this command'));
  } else {
    try {
      topicExists = await deps.pubsub.topicExists(deps.topic);
      add('gcp.topic', 'the webhook topic exists', topicExists ? pass(deps.topic) : fail(`${deps.topic} does not exist`, 'create it: terraform apply (or fix WEBHOOK_TOPIC / GOOGLE_CLOUD_PROJECT)'));
    } catch (err) {
      add('gcp.topic', 'the webhook topic exists', fail(describeError(err), 'check the credentials and GOOGLE_CLOUD_PROJECT'));
    }
  }

  const publisherContract = `${BIGCOMMERCE_PUBLISHER} may publish`;
  if (!deps.topic || !topicExists) {
    add('gcp.publisher', publisherContract, unverifiable('needs the topic'));
  } else {
    try {
      const bindings = await deps.pubsub.topicIamBindings(deps.topic);
      const member = `serviceAccount:${BIGCOMMERCE_PUBLISHER}`;
      if (bindings === 'unsupported') {
        add('gcp.publisher', publisherContract, unverifiable('this Pub/Sub server has no IAM (the emulator answers UNIMPLEMENTED)'));
      } else if (bindings.some((b) => PUBLISHER_ROLES.has(b.role) && b.members.includes(member))) {
        add('gcp.publisher', publisherContract, pass(`granted on ${deps.topic}`));
      } else {
        add(
          'gcp.publisher',
          publisherContract,
          fail(
            `no publisher role for ${member} in the topic's IAM policy (a project-level grant would not show here)`,
            `gcloud pubsub topics add-iam-policy-binding ${deps.topic} --member=${member} --role=roles/pubsub.publisher (terraform/iam.tf does this)`,
          ),
        );
      }
    } catch (err) {
      add('gcp.publisher', publisherContract, unverifiable(`cannot read the topic's IAM policy: ${describeError(err)}`, 'run with an account that has pubsub.topics.getIamPolicy'));
    }
  }

  if (!deps.topic || !topicExists) {
    add('gcp.push-subscription', 'a push subscription delivers to /pubsub/push', unverifiable('needs the topic'));
  } else {
    try {
      const subs = await deps.pubsub.pushSubscriptions(deps.topic);
      const matching = subs.filter((s) => (deps.push.endpoint ? s.pushEndpoint === deps.push.endpoint : /\/pubsub\/push$/.test(s.pushEndpoint)));
      const authed = matching.filter((s) => !deps.push.oidc || deps.push.serviceAccount === undefined || s.oidcServiceAccount === deps.push.serviceAccount);
      if (matching.length === 0) {
        add(
          'gcp.push-subscription',
          'a push subscription delivers to /pubsub/push',
          fail(
            `no push subscription on ${deps.topic} to ${deps.push.endpoint ?? '…/pubsub/push'} (found: ${subs.map((s) => s.pushEndpoint).join(', ') || 'none'})`,
            'terraform apply (it creates the push subscription to the Cloud Run URL)',
          ),
        );
      } else if (authed.length === 0) {
        add(
          'gcp.push-subscription',
          'a push subscription delivers to /pubsub/push',
          fail(`the push subscription does not sign with ${deps.push.serviceAccount ?? '?'} (PUSH_SERVICE_ACCOUNT)`, 'set the subscription’s OIDC service account to PUSH_SERVICE_ACCOUNT (terraform apply)'),
        );
      } else {
        add('gcp.push-subscription', 'a push subscription delivers to /pubsub/push', pass(authed.map((s) => `${s.name} -> ${s.pushEndpoint}`).join('; ')));
      }
    } catch (err) {
      add('gcp.push-subscription', 'a push subscription delivers to /pubsub/push', fail(describeError(err), 'check the credentials and GOOGLE_CLOUD_PROJECT'));
    }
  }

  return { storeHash: deps.storeHash, checks, ok: checks.every((c) => c.status !== 'fail') };
}

/**
 * Reads how `product_id:in` and `category_id:in` combine, with GETs only (reference §4.5, [U]):
 * one existing assignment (p, c), then a GET filtered by both. Under AND only (p, c)-matching pairs
 * come back; any other pair means OR, and then the service's combined DELETE would empty whole
 * categories. Assumes DELETE combines its filters as GET does [I].
 */
async function probeAssignmentFilter(client: BigCommerceClient): Promise<Check> {
  try {
    const sample = await client.request<{ data?: { product_id: number; category_id: number }[] }>('GET', '/v3/catalog/products/category-assignments?limit=1');
    const pair = sample.body.data?.[0];
    if (!pair) return unverifiable('the store has no category assignments to probe with');
    const both = await client.request<{ data?: { product_id: number; category_id: number }[] }>(
      'GET',
      `/v3/catalog/products/category-assignments?product_id:in=${pair.product_id}&category_id:in=${pair.category_id}&limit=250`,
    );
    const stray = (both.body.data ?? []).filter((x) => x.product_id !== pair.product_id || x.category_id !== pair.category_id);
    return stray.length === 0
      ? pass(`filters combine with AND (probe ${pair.product_id}/${pair.category_id})`)
      : fail(
          `filters combine with OR (${stray.length} pairs outside product ${pair.product_id} x category ${pair.category_id}): the service's DELETE would remove more than planned`,
          'do not run category sync on this store; report it (the removal must switch to single-filter deletes)',
        );
  } catch (err) {
    return fail(describeError(err), 'the token must be able to read category assignments');
  }
}

/** Validates every GraphQL document the service sends against the live schema (introspection). */
async function validateOperations(client: BigCommerceClient, loadGraphql: () => Promise<typeof GraphqlJs>): Promise<Check> {
  let g: typeof GraphqlJs;
  try {
    g = await loadGraphql();
  } catch {
    return unverifiable('graphql-js is not installed here (run from a checkout with dev dependencies)');
  }
  let res;
  try {
    res = await client.graphql<unknown>(g.getIntrospectionQuery());
  } catch (err) {
    return unverifiable(`introspection request failed: ${describeError(err)}`);
  }
  if (res.errors?.length || !res.data) return unverifiable(`introspection refused: ${res.errors?.map((e) => e.message).join('; ') ?? 'no data'}`);
  const schema = g.buildClientSchema(res.data as Parameters<typeof g.buildClientSchema>[0]);
  const ops = { list: LIST_WEBHOOKS_QUERY, create: CREATE_PUBSUB_WEBHOOK_MUTATION, update: UPDATE_PUBSUB_WEBHOOK_MUTATION, delete: deleteWebhookMutation('bc/store/webhook/1') };
  const problems = Object.entries(ops).flatMap(([name, doc]) => g.validate(schema, g.parse(doc)).map((e) => `${name}: ${e.message}`));
  return problems.length === 0
    ? pass(`${Object.keys(ops).join(', ')} validate`)
    : fail(problems.join(' | '), 'the live Admin API schema differs from src/sandbox/admin-schema.graphql: fix the operation in src/webhooks/webhooks-api.ts and the SDL');
}

/** The report as a table, then the fixes. */
export function formatDoctorReport(r: DoctorReport): string {
  const rows = r.checks.map((c) => [c.id, c.status.toUpperCase(), c.contract, c.detail]);
  const header = ['CHECK', 'RESULT', 'CONTRACT', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [`Store ${r.storeHash}`, line(header), ...rows.map(line)];
  const fixes = r.checks.filter((c) => c.fix && c.status !== 'pass');
  if (fixes.length > 0) out.push('', 'Fixes:', ...fixes.map((c) => `  ${c.id}: ${c.fix}`));
  const failed = r.checks.filter((c) => c.status === 'fail').length;
  out.push('', failed === 0 ? 'No failures.' : `${failed} check(s) failed.`);
  return out.join('\n');
}

// ---------------------------------------------------------------- CLI wiring

/** The doctor's dependencies from the service's environment, through the service's own composition root. */
async function doctorFromEnv(env: CliIo['env'], storeHash: string): Promise<{ deps: DoctorDeps; close: () => Promise<void> }> {
  const config = cliConfig(env);
  let push: DoctorDeps['push'] = { endpoint: undefined, serviceAccount: undefined, oidc: false };
  try {
    const full = loadConfig(env);
    push = { endpoint: full.push.audience ? `${full.push.audience.replace(/\/+$/, '')}/pubsub/push` : undefined, serviceAccount: full.push.serviceAccount, oidc: full.push.auth !== 'none' };
  } catch {
    // Push settings incomplete here: the subscription is checked for its /pubsub/push path only.
  }
  const logger = pino({ level: config.log.level });
  // Timers off: the doctor is read-only and never syncs.
  const services = await createServices(config, { logger, settings: { scheduler: { timers: false } } });
  const store = await services.directory.get(storeHash);
  const life = await services.registry.lifecycle(storeHash);
  const client = store?.accessToken ? services.clientFor({ storeHash, accessToken: store.accessToken }) : undefined;
  const pubsub = new PubSub({ projectId: config.projectId });
  const isSingle = config.bigcommerce.singleStore?.storeHash === storeHash;
  return {
    deps: {
      storeHash,
      client,
      pubsub: createPubSubInspector(pubsub),
      topic: config.webhooks.topic ? topicDestination(config.projectId, config.webhooks.topic) : undefined,
      recordedScopes: !isSingle && life && life.scopes.length > 0 ? life.scopes : undefined,
      ruleSet: store?.ruleSet,
      ownClientId: config.bigcommerce.clientId,
      push,
    },
    close: async () => {
      await pubsub.close();
      await services.close();
    },
  };
}

export const doctorGroup: CliGroup = {
  name: 'doctor',
  summary: 'Read-only check of every BigCommerce and Pub/Sub contract for one store (exit 1 on any failure)',
  defaultCommand: 'run',
  commands: {
    run: {
      summary: 'Check the store and the GCP project; print pass / fail / unverifiable and the fix for each failure',
      flags: { store: { type: 'string' } },
      flagHelp: ['--store HASH  the store to check (required)'],
      run: async (values, io) => {
        const storeHash = values.store;
        if (typeof storeHash !== 'string' || !isStoreHash(storeHash)) throw new CliUsageError('--store HASH is required');
        const { deps, close } = await doctorFromEnv(io.env, storeHash);
        try {
          const report = await runDoctor(deps);
          io.out(formatDoctorReport(report));
          return report.ok ? 0 : 1;
        } finally {
          await close();
        }
      },
    },
  },
};
