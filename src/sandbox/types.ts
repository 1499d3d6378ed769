import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';

/**
 * The public shapes of the BigCommerce sandbox. Names here are a contract with the other engineers'
 * tests and scripts (see index.ts): add fields, never rename.
 */

export const PRODUCT_TYPES = ['physical', 'digital'] as const;
export const INVENTORY_TRACKING = ['none', 'product', 'variant'] as const;
export const AVAILABILITY = ['available', 'disabled', 'preorder'] as const;
export const CONDITIONS = ['New', 'Used', 'Refurbished'] as const;

export interface CustomField {
  id: number;
  name: string;
  value: string;
}

/** The `product_Full` fields of reference §4.2 that rules may use (plus a few neighbours). */
export interface Product {
  id: number;
  name: string;
  type: (typeof PRODUCT_TYPES)[number];
  sku: string;
  description: string;
  weight: number;
  price: number;
  cost_price: number;
  retail_price: number;
  /** 0 means "no sale price" (reference §4.2). */
  sale_price: number;
  map_price: number;
  /** Read-only: sale_price when > 0, else price. */
  calculated_price: number;
  tax_class_id: number;
  brand_id: number;
  categories: number[];
  inventory_level: number;
  inventory_warning_level: number;
  inventory_tracking: (typeof INVENTORY_TRACKING)[number];
  is_visible: boolean;
  is_featured: boolean;
  is_free_shipping: boolean;
  is_price_hidden: boolean;
  availability: (typeof AVAILABILITY)[number];
  availability_description: string;
  condition: (typeof CONDITIONS)[number];
  upc: string;
  mpn: string;
  gtin: string;
  search_keywords: string;
  warranty: string;
  sort_order: number;
  total_sold: number;
  reviews_count: number;
  view_count: number;
  base_variant_id: number | null;
  /** ISO-8601 with offset, seconds precision, e.g. `2018-09-05T20:42:07+00:00`. Read-only. */
  date_created: string;
  date_modified: string;
  /** Returned only with `include=custom_fields`. */
  custom_fields: CustomField[];
  /** Returned only with `include=channels`. */
  channels: number[];
}

export interface FaultOptions {
  /** 0..1 probability of a 500/502/503 on any API request (after the rate limit counted it). */
  errorRate?: number;
  /** Added before each API response: fixed, or uniform in [min, max]. */
  latencyMs?: number | [min: number, max: number];
  /** The next N API requests get 429 (with the rate-limit headers); they do not use quota. */
  burst429?: number;
}

export interface EventOptions {
  /** 0..1 probability that each event is published twice (same body and hash, new Pub/Sub message). */
  duplicateRate?: number;
  /** Shuffle the events of one emission batch (one store operation) before publishing. */
  reorder?: boolean;
  /** Extra store/product/updated events per product change, each with a later created_at and its own hash. */
  extraUpdatedPerChange?: number;
  /** Delay before an emission batch is published. */
  delayMs?: number;
}

export interface StoreOptions {
  hash: string;
  accessToken: string;
  /** Client id the access token belongs to (default: the sandbox clientId). */
  clientId?: string;
  /** Numeric store id sent as `store_id` (a string of digits); default derived from the hash. */
  storeId?: string;
  /** Requests per window, default 150. */
  quota?: number;
  /** Default 30000. */
  windowMs?: number;
  /**
   * The GraphQL Admin quota per window, reported in the same X-Rate-Limit-* header names on /graphql
   * responses. Default 16,101,495 (the beta Postman collection's sample response) [C-beta].
   */
  graphqlQuota?: number;
  /** [U] Whether a GraphQL call also spends one unit of the REST quota (default true; it never shows in REST headers). */
  graphqlCountsAgainstRest?: boolean;
  /** `projects/P/topics/T`: events are ALSO published here even without registered hooks. */
  defaultTopic?: string;
  events?: EventOptions;
  /** After a change, reads return the OLD state (404 if just created) for this long. Default 0. */
  consistencyDelayMs?: number;
  faults?: FaultOptions;
  /** Default 2048: a longer request URL (path + query as sent) gets 414. */
  maxUrlLength?: number;
  /** [U] What `limit` > 250 does: 413 (default) or silently capped to 250. */
  limitOver250?: 'reject' | 'cap';
  /** [U] Max items per PUT category-assignments (default 1000); more gets `assignmentsOverLimitStatus`. */
  maxAssignmentsPerPut?: number;
  /** [U] The status of a PUT category-assignments over the limit: 413 (default, as batch products) or a size-related 422. */
  assignmentsOverLimitStatus?: 413 | 422;
  /**
   * [U] How GET/DELETE category-assignments combine `product_id:in` and `category_id:in`: 'and'
   * (default: pairs matching both) or 'or' (pairs matching either: a DELETE then empties whole categories).
   */
  assignmentFilterJoin?: 'and' | 'or';
  /** [U] `categories:in` semantics: any listed category (SQL IN, default) or all of them (2024 docs wording). */
  categoriesIn?: 'any' | 'all';
  /** When set, only these category ids exist: others are rejected with 422. Default: any positive id. */
  categoryIds?: number[];
  /**
   * The category tree `GET /v3/catalog/trees/categories` lists (tree 1). Default: DEFAULT_CATEGORY_TREE
   * (the ids the generated products use, plus named categories for rules such as 50 "Sale").
   */
  categoryTree?: SandboxCategory[];
  /** Topics BigCommerce has no publish permission on (GraphQL create/update answers a permission error). */
  topicsWithoutPermission?: string[];
  /** Seed of the store's RNG (faults, duplicates, reordering, latency). Default: random. */
  seed?: number;
}

export interface SandboxCategory {
  id: number;
  name: string;
  /** 0 for a top-level category. */
  parentId: number;
}

export interface WebhookRecord {
  /** Numeric id; GraphQL shows it as `bc/store/webhook/{id}`. */
  id: number;
  clientId: string;
  storeHash: string;
  scope: string;
  destination: string;
  isActive: boolean;
  /** `ACTIVE`, `INACTIVE` (set by the owner) or `DEACTIVATED` (by the platform) [U]. */
  status: 'ACTIVE' | 'INACTIVE' | 'DEACTIVATED';
  /** Unix ms. */
  createdAtMs: number;
  updatedAtMs: number;
}

/** The JSON body BigCommerce publishes (reference §2.1). */
export interface EventBody {
  scope: string;
  store_id: string;
  producer: string;
  hash: string;
  created_at: number;
  data: Record<string, unknown>;
}

export interface PublishedEvent {
  topic: string;
  messageId: string;
  body: EventBody;
  /** The webhook it was published for; undefined for the store's defaultTopic. */
  hookId: number | undefined;
  /** True for the second copy of a duplicated event. */
  duplicate: boolean;
  publishedAtMs: number;
}

export interface SandboxStats {
  requests: number;
  /** Route key like 'GET /v3/catalog/products' or 'GET /v3/catalog/products/:id' -> count (every status). */
  byRoute: Record<string, number>;
  /** '200': n, '429': n ... */
  status: Record<string, number>;
  /** Longest request URL seen (path + query, as sent). */
  maxUrlLength: number;
  rejectedLongUrls: number;
  /** GET catalog/products (list) calls answered 200. */
  productGets: number;
  /** PUT + DELETE category-assignments calls answered 204. */
  categoryWrites: number;
  /** Pairs in accepted PUT category-assignments bodies (including ones already assigned). */
  categoryAssignmentsWritten: number;
  /** Assignments actually removed by accepted DELETE calls. */
  categoryAssignmentsDeleted: number;
  /** Pairs of accepted PUTs that were already assigned (writes that changed nothing). */
  categoryAssignmentsNoop: number;
  /** Products changed by accepted PUT catalog/products batches. */
  productWrites: number;
  eventsPublished: number;
  eventPublishFailures: number;
}

export interface SandboxStore {
  hash: string;
  seedProducts(n: number, opts?: { seed?: number; startId?: number }): Product[];
  createProduct(p: Partial<Product>): Product;
  updateProduct(id: number, patch: Partial<Product>, opts?: { invisibleForMs?: number }): Product;
  deleteProduct(id: number): void;
  bulkUpdate(ids: number[], patch: (p: Product) => Partial<Product>, opts?: { invisibleForMs?: number }): void;
  product(id: number): Product | undefined;
  products(): Product[];
  setFaults(f: FaultOptions): void;
  setEvents(e: EventOptions): void;
  deactivateHooks(): void;
  hooks(): WebhookRecord[];
  /**
   * App uninstall: deletes the app's hooks, revokes its tokens (synchronously), then calls the
   * app's uninstall callback when one is registered (SandboxOptions.uninstallCallbackUrl). No
   * `store/app/uninstalled` event (that is a store cancellation).
   */
  uninstall(): Promise<{ callbackStatus: number | undefined }>;
  publishedEvents(): PublishedEvent[];
  flushEvents(): Promise<void>;
  // ---- additions beyond the brief (documented in index.ts) ----
  /** Registers a webhook directly (as if another tool created it), e.g. for another client id. */
  addHook(h: { scope: string; destination: string; isActive?: boolean; clientId?: string }): WebhookRecord;
  /** Publishes an arbitrary event (e.g. store/sku/updated) through the normal emission path. */
  emitEvent(scope: string, data: Record<string, unknown>): void;
  setDefaultTopic(topic: string | undefined): void;
  setTopicsWithoutPermission(topics: string[]): void;
  /** Access tokens valid for this store (the initial one plus OAuth-issued ones), with their client. */
  tokens(): { accessToken: string; clientId: string }[];
  /** True once uninstall() ran (all tokens revoked). */
  readonly uninstalled: boolean;
}

export interface SandboxOptions {
  /** 0 = free port (default 0). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where webhook events are published (the emulator via PUBSUB_EMULATOR_HOST by default). */
  pubsub?: { projectId: string; apiEndpoint?: string };
  /** The app's OAuth credentials (for /oauth2/token and signed payloads). */
  clientId?: string;
  clientSecret?: string;
  /** The app's registered Uninstall Callback URL (`GET ?signed_payload_jwt=`), called by store.uninstall(). */
  uninstallCallbackUrl?: string;
  /** The app's registered Auth Callback URL: token exchanges must send it as redirect_uri (an install's own `redirectUri` overrides it). */
  authCallbackUrl?: string;
  logger?: Logger | undefined;
  /** Time source for rate windows, consistency delays and dates (default: system clock). */
  clock?: Clock;
}

export interface Sandbox {
  /** Base URL, e.g. http://127.0.0.1:PORT; REST under `${url}/stores/{hash}/v3/...`. */
  url: string;
  createStore(opts: StoreOptions): SandboxStore;
  /** Throws (SANDBOX_STORE_NOT_FOUND) if unknown. */
  store(hash: string): SandboxStore;
  /** Flushes pending publishes, stops the server. */
  close(): Promise<void>;
  stats(hash?: string): SandboxStats;
  resetStats(): void;
  // ---- additions ----
  clientId: string;
  clientSecret: string;
  /** One-time OAuth code for the install flow (what `POST /_sandbox/install` returns). */
  install(hash: string, opts?: { scope?: string; redirectUri?: string }): InstallGrant;
  /** `signed_payload_jwt` for hash, signed with this sandbox's client secret unless overridden. */
  signedPayload(hash: string, opts?: SignedPayloadOptions): Promise<string>;
  stores(): SandboxStore[];
}

export interface InstallGrant {
  code: string;
  scope: string;
  context: string;
  accountUuid: string;
  /** Path + query the app's /auth callback receives, e.g. `/auth?code=..&scope=..&context=stores/h&account_uuid=..`. */
  authPath: string;
}

export interface SignedPayloadOptions {
  /** exp/nbf/iat in the past (an expired token). */
  expired?: boolean;
  /** Audience override (default: the client id). */
  aud?: string;
  /** Signing secret override (default: the client secret). */
  secret?: string;
  clientId?: string;
  /** Store URL claim; default `https://store-{hash}.mybigcommerce.com`. */
  url?: string;
  channelId?: number | null;
  user?: { id: number; email: string; locale?: string };
  owner?: { id: number; email: string };
  /** Time source in ms (default Date.now). */
  nowMs?: number;
}
