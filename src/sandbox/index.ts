/**
 * The BigCommerce sandbox: a local stand-in for the documented BigCommerce API (catalog REST,
 * category assignments, GraphQL Admin webhooks, OAuth) that publishes BigCommerce-shaped webhook
 * events to Pub/Sub (the emulator). Dev/test tool: excluded from the production build.
 *
 *   const sandbox = await startSandbox({ pubsub: { projectId: 'demo-x' } });
 *   const store = sandbox.createStore({ hash: 'abc123', accessToken: 'tok', defaultTopic: 'projects/demo-x/topics/bc' });
 *   store.seedProducts(100, { seed: 1 });
 *   // REST: `${sandbox.url}/stores/abc123/v3/catalog/products?id:in=1,2` with X-Auth-Token: tok
 */
export { startSandbox } from './start-sandbox.ts';
export { signedPayload, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_OAUTH_SCOPE } from './oauth.ts';
export { generateProducts, isoSeconds } from './generate-products.ts';
export { scopeMatches } from './event-body.ts';
export { BC_ERROR_TYPE, BATCH_TOO_LARGE_TITLE, PRODUCT_NOT_FOUND_TITLE } from './store-routes.ts';
export { WEBHOOK_ID_PREFIX } from './webhook-graphql.ts';
export type {
  Sandbox,
  SandboxOptions,
  SandboxStore,
  SandboxStats,
  StoreOptions,
  EventOptions,
  FaultOptions,
  Product,
  CustomField,
  WebhookRecord,
  PublishedEvent,
  EventBody,
  InstallGrant,
  SignedPayloadOptions,
} from './types.ts';
