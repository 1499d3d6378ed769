import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { AppError, grpcCode, GrpcStatus, ErrorCode } from '../errors.ts';
import { buildEventBody, scopeMatches, SCOPE_RE, storeIdFor, TOPIC_NAME_RE } from './event-body.ts';
import type { EventPublisher, PublishItem, PublishOutcome } from './event-publisher.ts';
import { blankProduct, generateProducts, isoSeconds, withDerived } from './generate-products.ts';
import { ProductPatchSchema, issuesToErrors, type ProductPatch } from './product-write.ts';
import { RateWindow } from './rate-window.ts';
import { createRng, type Rng } from './rng.ts';
import { emptyStats } from './stats-counter.ts';
import { DEFAULT_CATEGORY_TREE } from './category-tree.ts';
import type { CustomField, EventBody, EventOptions, FaultOptions, Product, PublishedEvent, SandboxCategory, SandboxStats, SandboxStore, StoreOptions, WebhookRecord } from './types.ts';

export interface StoreDeps {
  clock: Clock;
  publisher: EventPublisher;
  /** The sandbox app's client id: owner of the initial token, and whose hooks uninstall deletes. */
  appClientId: string;
  logger?: Logger | undefined;
  /** Calls the app's uninstall callback; its HTTP status (0 unreachable), undefined when none is registered. */
  onAppUninstalled?: (hash: string) => Promise<number | undefined>;
}

interface Version {
  state: Product | undefined;
  visibleAtMs: number;
}

export interface EmitSpec {
  scope: string;
  data: Record<string, unknown>;
}

/** GraphQL webhook error union members (reference §3.2); the permission type name is [U]. */
export type HookErrorType = 'ValidationError' | 'AlreadyExistsError' | 'PubSubTopicNotFoundError' | 'PubSubPermissionError' | 'NotFoundError';
export type HookResult = { ok: true; hook: WebhookRecord } | { ok: false; error: { type: HookErrorType; message: string; topic?: string } };

/** Fields whose change does not fire store/product/updated (reference §2.3; inventory handled apart). */
const SILENT_FIELDS = new Set<string>(['date_modified', 'date_created', 'calculated_price', 'custom_fields', 'view_count', 'channels', 'inventory_level']);

const equal = (a: unknown, b: unknown) => (typeof a === 'object' || typeof b === 'object' ? JSON.stringify(a) === JSON.stringify(b) : a === b);

export function changedFields(prev: Product, next: Product): string[] {
  return (Object.keys(next) as (keyof Product)[]).filter((k) => !equal(prev[k], next[k]));
}

/**
 * The events one product change fires (reference §2.2-2.3): store/product/updated when a listed
 * field changed (inventory level only counts while tracking is on), and
 * store/product/inventory/updated with the delta whenever the level moved.
 */
export function productChangeEvents(prev: Product, next: Product): EmitSpec[] {
  const fields = changedFields(prev, next);
  const out: EmitSpec[] = [];
  const tracked = prev.inventory_tracking !== 'none' || next.inventory_tracking !== 'none';
  const fires = fields.some((f) => !SILENT_FIELDS.has(f)) || (fields.includes('inventory_level') && tracked);
  if (fires) out.push({ scope: 'store/product/updated', data: { type: 'product', id: next.id } });
  if (fields.includes('inventory_level')) {
    out.push({
      scope: 'store/product/inventory/updated',
      data: { type: 'product', id: next.id, inventory: { product_id: next.id, method: 'absolute', value: next.inventory_level - prev.inventory_level } },
    });
  }
  return out;
}

const cloneProduct = (p: Product): Product => ({ ...p, categories: [...p.categories], channels: [...p.channels], custom_fields: p.custom_fields.map((f) => ({ ...f })) });

const normalizeCategories = (c: number[]) => [...new Set(c)].sort((a, b) => a - b);

type ParsedPatch = Omit<ProductPatch, 'custom_fields'> & { custom_fields?: CustomField[] };

function parsePatch(patch: unknown): ParsedPatch {
  const r = ProductPatchSchema.safeParse(patch);
  if (!r.success) throw new AppError(ErrorCode.SANDBOX_INVALID_PRODUCT, 'invalid product fields', { details: { errors: issuesToErrors(r.error.issues) } });
  const { custom_fields, ...rest } = r.data;
  // New custom fields get an id, as BigCommerce assigns one on write.
  return custom_fields === undefined ? rest : { ...rest, custom_fields: custom_fields.map((f, i) => ({ id: f.id ?? i + 1, name: f.name, value: f.value })) };
}

/**
 * One simulated BigCommerce store: the catalog (true state plus what reads can see under eventual
 * consistency), webhooks, tokens, the rate-limit window, faults and the events each change fires.
 * Everything HTTP lives in the routes; this class is the state they act on.
 */
export class SandboxStoreState implements SandboxStore {
  readonly hash: string;
  readonly storeId: string;
  readonly rate: RateWindow;
  readonly graphqlRate: RateWindow;
  readonly graphqlCountsAgainstRest: boolean;
  readonly maxUrlLength: number;
  readonly limitOver250: 'reject' | 'cap';
  readonly maxAssignmentsPerPut: number;
  readonly assignmentsOverLimitStatus: 413 | 422;
  readonly assignmentFilterJoin: 'and' | 'or';
  readonly categoriesIn: 'any' | 'all';
  readonly categoryIds: Set<number> | undefined;
  readonly categoryTree: readonly SandboxCategory[];
  consistencyDelayMs: number;
  stats: SandboxStats = emptyStats();

  private readonly deps: StoreDeps;
  private readonly records = new Map<number, Version[]>();
  /** Every id ever stored, ascending (ids are never reused); rebuilt lazily after an insert. */
  private sortedIdCache: number[] | undefined;
  /**
   * What reads see, in id order, while nothing changes: valid until the next write, and only once
   * every pushed version is visible (`settledAtMs`), since visibility also moves with time.
   */
  private visibleCache: Product[] | undefined;
  private settledAtMs = 0;
  private readonly tokenClients = new Map<string, string>();
  /** OAuth scopes of tokens issued by the install flow; the store's initial token has every scope. */
  private readonly tokenScopes = new Map<string, ReadonlySet<string>>();
  private readonly hookMap = new Map<number, WebhookRecord>();
  private readonly published: PublishedEvent[] = [];
  private readonly rng: Rng;
  private faults: FaultOptions;
  private events: EventOptions;
  private defaultTopic: string | undefined;
  private deniedTopics: Set<string>;
  private nextHookId = 1;
  private changeCounter = 0;
  private isUninstalled = false;

  constructor(opts: StoreOptions, deps: StoreDeps) {
    if (!/^[A-Za-z0-9_-]+$/.test(opts.hash)) throw new AppError(ErrorCode.SANDBOX_INVALID_STORE, `store hash must be [A-Za-z0-9_-]+: ${opts.hash}`);
    if (!opts.accessToken) throw new AppError(ErrorCode.SANDBOX_INVALID_STORE, 'accessToken is required');
    this.hash = opts.hash;
    this.deps = deps;
    this.storeId = opts.storeId ?? storeIdFor(opts.hash);
    this.rate = new RateWindow(opts.quota ?? 150, opts.windowMs ?? 30_000);
    this.graphqlRate = new RateWindow(opts.graphqlQuota ?? 16_101_495, opts.windowMs ?? 30_000);
    this.graphqlCountsAgainstRest = opts.graphqlCountsAgainstRest ?? true;
    this.maxUrlLength = opts.maxUrlLength ?? 2048;
    this.limitOver250 = opts.limitOver250 ?? 'reject';
    this.maxAssignmentsPerPut = opts.maxAssignmentsPerPut ?? 1000;
    this.assignmentsOverLimitStatus = opts.assignmentsOverLimitStatus ?? 413;
    this.assignmentFilterJoin = opts.assignmentFilterJoin ?? 'and';
    this.categoriesIn = opts.categoriesIn ?? 'any';
    this.categoryIds = opts.categoryIds ? new Set(opts.categoryIds) : undefined;
    this.categoryTree = (opts.categoryTree ?? DEFAULT_CATEGORY_TREE).map((c) => ({ ...c }));
    this.consistencyDelayMs = opts.consistencyDelayMs ?? 0;
    this.faults = { ...opts.faults };
    this.events = { ...opts.events };
    this.defaultTopic = opts.defaultTopic;
    this.deniedTopics = new Set(opts.topicsWithoutPermission ?? []);
    this.rng = createRng(opts.seed);
    this.tokenClients.set(opts.accessToken, opts.clientId ?? deps.appClientId);
  }

  private now(): number {
    return this.deps.clock.now();
  }

  // ---------------------------------------------------------------- catalog: true state

  /** The stored object itself: internal only, callers get copies so they cannot edit history. */
  private current(id: number): Product | undefined {
    const v = this.records.get(id);
    return v?.[v.length - 1]?.state;
  }

  product(id: number): Product | undefined {
    const p = this.current(id);
    return p ? cloneProduct(p) : undefined;
  }

  products(): Product[] {
    const out: Product[] = [];
    for (const id of [...this.records.keys()].sort((a, b) => a - b)) {
      const p = this.current(id);
      if (p) out.push(cloneProduct(p));
    }
    return out;
  }

  // ---------------------------------------------------------------- catalog: what reads see

  /** The version a read sees now: the newest change whose visibility delay has passed. */
  visibleProduct(id: number, now = this.now()): Product | undefined {
    const versions = this.records.get(id);
    if (!versions) return undefined;
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i];
      if (v && v.visibleAtMs <= now) return v.state;
    }
    return undefined;
  }

  /** Ids in ascending order: the sandbox's own index, so id-sorted listings need no sort (200k-product catalogs). */
  private sortedIds(): number[] {
    if (!this.sortedIdCache) {
      const ids = Array.from(this.records.keys());
      ids.sort((a, b) => a - b);
      this.sortedIdCache = ids;
    }
    return this.sortedIdCache;
  }

  /**
   * Visits what reads see in id order, skipping ids below `fromId` (a scan hint only: callers still
   * apply every filter). Keyset paging (`id:greater` + `sort=id`) then costs one pass over the rest
   * of the catalog per page instead of copying and sorting all of it.
   */
  forEachVisibleInIdOrder(fromId: number, direction: 'asc' | 'desc', visit: (p: Product) => void): void {
    const ids = this.sortedIds();
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ids[mid] ?? 0) < fromId) lo = mid + 1;
      else hi = mid;
    }
    const now = this.now();
    if (now >= this.settledAtMs) {
      const visible = (this.visibleCache ??= this.buildVisibleCache(now));
      let start = 0;
      let end = visible.length;
      while (start < end) {
        const mid = (start + end) >>> 1;
        if ((visible[mid]?.id ?? 0) < fromId) start = mid + 1;
        else end = mid;
      }
      if (direction === 'asc') for (let i = start; i < visible.length; i++) visit(visible[i]!);
      else for (let i = visible.length - 1; i >= start; i--) visit(visible[i]!);
      return;
    }
    if (direction === 'asc') {
      for (let i = lo; i < ids.length; i++) {
        const p = this.visibleProduct(ids[i] ?? 0, now);
        if (p) visit(p);
      }
    } else {
      for (let i = ids.length - 1; i >= lo; i--) {
        const p = this.visibleProduct(ids[i] ?? 0, now);
        if (p) visit(p);
      }
    }
  }

  /** Keeps the cache through an immediately visible update of a known product (category writes during a sync); anything else drops it. */
  private patchVisibleCache(id: number, state: Product | undefined, delayMs: number): void {
    const cache = this.visibleCache;
    if (!cache) return;
    let lo = 0;
    let hi = cache.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cache[mid]?.id ?? 0) < id) lo = mid + 1;
      else hi = mid;
    }
    if (delayMs <= 0 && state && cache[lo]?.id === id) cache[lo] = state;
    else this.visibleCache = undefined;
  }

  private buildVisibleCache(now: number): Product[] {
    const out: Product[] = [];
    for (const id of this.sortedIds()) {
      const p = this.visibleProduct(id, now);
      if (p) out.push(p);
    }
    return out;
  }

  /** What reads see; `ids` restricts the lookup (the `id:in` fast path on big catalogs). */
  visibleProducts(ids?: Iterable<number>): Product[] {
    const out: Product[] = [];
    for (const id of ids ?? this.records.keys()) {
      const p = this.visibleProduct(id);
      if (p) out.push(p);
    }
    return out;
  }

  private pushVersion(id: number, state: Product | undefined, delayMs: number): void {
    const now = this.now();
    const versions = this.records.get(id) ?? [];
    // Drop versions no read can see any more (older than the newest visible one).
    let lastVisible = -1;
    for (let i = versions.length - 1; i >= 0; i--) {
      if ((versions[i]?.visibleAtMs ?? Infinity) <= now) {
        lastVisible = i;
        break;
      }
    }
    const kept = lastVisible > 0 ? versions.slice(lastVisible) : versions;
    kept.push({ state, visibleAtMs: delayMs > 0 ? now + delayMs : now });
    if (!this.records.has(id)) this.sortedIdCache = undefined;
    this.patchVisibleCache(id, state, delayMs);
    this.settledAtMs = Math.max(this.settledAtMs, kept[kept.length - 1]!.visibleAtMs);
    this.records.set(id, kept);
  }

  private nextProductId(): number {
    return (this.sortedIds().at(-1) ?? 0) + 1;
  }

  seedProducts(n: number, opts: { seed?: number; startId?: number } = {}): Product[] {
    const products = generateProducts(n, { seed: opts.seed, startId: opts.startId ?? this.nextProductId() });
    // The initial catalog: visible at once, no events (it existed before the test started).
    for (const p of products) this.records.set(p.id, [{ state: p, visibleAtMs: 0 }]);
    this.sortedIdCache = undefined;
    this.visibleCache = undefined;
    return products.map(cloneProduct);
  }

  createProduct(p: Partial<Product>): Product {
    const patch = parsePatch(p);
    const id = p.id ?? this.nextProductId();
    if (!Number.isInteger(id) || id < 1) throw new AppError(ErrorCode.SANDBOX_INVALID_PRODUCT, 'id must be a positive integer');
    if (this.current(id)) throw new AppError(ErrorCode.SANDBOX_PRODUCT_EXISTS, `product ${id} already exists`);
    const now = this.now();
    const product = withDerived({ ...blankProduct(id, now), ...patch, id, categories: normalizeCategories(patch.categories ?? []) });
    this.pushVersion(id, product, this.consistencyDelayMs);
    this.emit([{ scope: 'store/product/created', data: { type: 'product', id } }]);
    return cloneProduct(product);
  }

  updateProduct(id: number, patch: Partial<Product>, opts: { invisibleForMs?: number } = {}): Product {
    const [p] = this.applyPatches([{ id, patch }], opts.invisibleForMs).products;
    return p as Product;
  }

  deleteProduct(id: number): void {
    if (!this.current(id)) throw new AppError(ErrorCode.SANDBOX_PRODUCT_NOT_FOUND, `product ${id} not found`);
    this.pushVersion(id, undefined, this.consistencyDelayMs);
    this.emit([{ scope: 'store/product/deleted', data: { type: 'product', id } }]);
  }

  bulkUpdate(ids: number[], patch: (p: Product) => Partial<Product>, opts: { invisibleForMs?: number } = {}): void {
    const items = ids.map((id) => {
      const cur = this.product(id);
      if (!cur) throw new AppError(ErrorCode.SANDBOX_PRODUCT_NOT_FOUND, `product ${id} not found`);
      return { id, patch: patch(cur) };
    });
    this.applyPatches(items, opts.invisibleForMs);
  }

  /**
   * The one write path for updates (programmatic, REST batch PUT, category assignments): validates
   * everything first (all or nothing), applies real changes with a fresh date_modified, and fires
   * their events as one emission batch. A patch that changes nothing fires nothing.
   */
  applyPatches(items: { id: number; patch: unknown }[], invisibleForMs?: number): { products: Product[]; changedIds: number[] } {
    const parsed = items.map(({ id, patch }) => {
      const cur = this.current(id);
      if (!cur) throw new AppError(ErrorCode.SANDBOX_PRODUCT_NOT_FOUND, `product ${id} not found`, { details: { id } });
      return { cur, patch: parsePatch(patch) };
    });
    const nowIso = isoSeconds(this.now());
    const specs: EmitSpec[] = [];
    const out: Product[] = [];
    const changedIds: number[] = [];
    const delay = invisibleForMs ?? this.consistencyDelayMs;
    for (const { cur, patch } of parsed) {
      const next = withDerived({ ...cur, ...patch, id: cur.id, categories: normalizeCategories(patch.categories ?? cur.categories) });
      const changes = changedFields(cur, next);
      if (changes.length === 0) {
        out.push(cloneProduct(cur));
        continue;
      }
      if (patch.date_modified === undefined) next.date_modified = nowIso;
      this.pushVersion(cur.id, next, delay);
      specs.push(...productChangeEvents(cur, next));
      out.push(cloneProduct(next));
      changedIds.push(cur.id);
    }
    this.emit(specs);
    return { products: out, changedIds };
  }

  categoryExists(id: number): boolean {
    return id > 0 && (this.categoryIds === undefined || this.categoryIds.has(id));
  }

  /** Ids a category listing shows: the configured ones, else every id some product is in (any positive id "exists" then). */
  listableCategoryIds(): number[] {
    const ids = this.categoryIds ?? new Set(this.products().flatMap((p) => p.categories));
    return [...ids].sort((a, b) => a - b);
  }

  // ---------------------------------------------------------------- events

  setEvents(e: EventOptions): void {
    this.events = { ...e };
  }

  setDefaultTopic(topic: string | undefined): void {
    this.defaultTopic = topic;
  }

  setTopicsWithoutPermission(topics: string[]): void {
    this.deniedTopics = new Set(topics);
  }

  emitEvent(scope: string, data: Record<string, unknown>): void {
    if (!SCOPE_RE.test(scope) || scope.endsWith('/*')) throw new AppError(ErrorCode.SANDBOX_INVALID_EVENT, `not an event scope: ${scope}`);
    this.emit([{ scope, data }]);
  }

  publishedEvents(): PublishedEvent[] {
    return [...this.published];
  }

  flushEvents(): Promise<void> {
    return this.deps.publisher.flush();
  }

  private targetsFor(scope: string): { topic: string; hookId: number | undefined }[] {
    const out: { topic: string; hookId: number | undefined }[] = [];
    for (const h of [...this.hookMap.values()].sort((a, b) => a.id - b.id)) {
      if (!h.isActive || !scopeMatches(h.scope, scope)) continue;
      if (this.deniedTopics.has(h.destination)) {
        // BigCommerce cannot publish without permission: the event is lost for this hook, and the
        // hook is deactivated ("We deactivate the webhook if the topic was deleted or publisher
        // permissions removed", beta troubleshooting page [C-beta]).
        this.stats.eventPublishFailures++;
        h.isActive = false;
        h.status = 'DEACTIVATED';
        h.updatedAtMs = this.now();
        continue;
      }
      out.push({ topic: h.destination, hookId: h.id });
    }
    if (this.defaultTopic && !out.some((t) => t.topic === this.defaultTopic)) out.push({ topic: this.defaultTopic, hookId: undefined });
    return out;
  }

  /** Turns one store operation's events into bodies and queues them (extras, reordering, duplicates). */
  private emit(specs: EmitSpec[]): void {
    if (specs.length === 0) return;
    const createdAt = Math.floor(this.now() / 1000);
    const base = { storeId: this.storeId, storeHash: this.hash };
    const bodies: EventBody[] = [];
    for (const s of specs) {
      bodies.push(buildEventBody({ ...base, scope: s.scope, data: s.data, createdAtSeconds: createdAt, counter: ++this.changeCounter }));
      if (s.scope === 'store/product/updated') {
        for (let i = 1; i <= (this.events.extraUpdatedPerChange ?? 0); i++) {
          bodies.push(buildEventBody({ ...base, scope: s.scope, data: s.data, createdAtSeconds: createdAt + i, counter: ++this.changeCounter }));
        }
      }
    }
    const items: PublishItem[] = [];
    for (const body of bodies) {
      for (const t of this.targetsFor(body.scope)) {
        items.push({ topic: t.topic, body, hookId: t.hookId, duplicate: false });
        if (this.rng.chance(this.events.duplicateRate ?? 0)) items.push({ topic: t.topic, body, hookId: t.hookId, duplicate: true });
      }
    }
    if (this.events.reorder) this.rng.shuffle(items);
    this.deps.publisher.publish(items, this.events.delayMs ?? 0, (o) => this.onPublished(o));
  }

  private onPublished(o: PublishOutcome): void {
    if (o.messageId !== undefined) {
      this.stats.eventsPublished++;
      this.published.push({ topic: o.item.topic, messageId: o.messageId, body: o.item.body, hookId: o.item.hookId, duplicate: o.item.duplicate, publishedAtMs: Date.now() });
      return;
    }
    this.stats.eventPublishFailures++;
    // BigCommerce deactivates a Pub/Sub hook whose topic was deleted (reference §3.2).
    const hook = o.item.hookId === undefined ? undefined : this.hookMap.get(o.item.hookId);
    if (hook && grpcCode(o.error) === GrpcStatus.NOT_FOUND) {
      hook.isActive = false;
      hook.status = 'DEACTIVATED';
      hook.updatedAtMs = this.now();
    }
  }

  // ---------------------------------------------------------------- faults

  setFaults(f: FaultOptions): void {
    this.faults = { ...f };
  }

  /** Consumes one injected 429 if any are left. */
  takeInjected429(): boolean {
    if ((this.faults.burst429 ?? 0) > 0) {
      this.faults.burst429 = (this.faults.burst429 ?? 0) - 1;
      return true;
    }
    return false;
  }

  latencyMs(): number {
    const l = this.faults.latencyMs;
    if (l === undefined) return 0;
    return typeof l === 'number' ? l : this.rng.int(l[0], l[1]);
  }

  injectedError(): 500 | 502 | 503 | undefined {
    return this.rng.chance(this.faults.errorRate ?? 0) ? this.rng.pick([500, 502, 503] as const) : undefined;
  }

  // ---------------------------------------------------------------- tokens, install, uninstall

  clientForToken(token: string | undefined): string | undefined {
    return token === undefined ? undefined : this.tokenClients.get(token);
  }

  /**
   * Whether `token` may call an endpoint that needs one of `anyOf` (reference §6: catalog reads
   * need store_v2_products or store_v2_products_read_only, writes store_v2_products). Webhooks need none.
   */
  tokenHasScope(token: string, anyOf: readonly string[]): boolean {
    const scopes = this.tokenScopes.get(token);
    return scopes === undefined || anyOf.length === 0 || anyOf.some((s) => scopes.has(s));
  }

  addToken(token: string, clientId: string, scopes?: readonly string[]): void {
    this.tokenClients.set(token, clientId);
    if (scopes) this.tokenScopes.set(token, new Set(scopes));
    this.isUninstalled = false;
  }

  tokens(): { accessToken: string; clientId: string }[] {
    return [...this.tokenClients].map(([accessToken, clientId]) => ({ accessToken, clientId }));
  }

  get uninstalled(): boolean {
    return this.isUninstalled;
  }

  /**
   * The merchant uninstalls the app (reference §6, §1.6): BigCommerce deletes the app's webhooks,
   * revokes its tokens and calls the app's uninstall callback. It does NOT publish
   * `store/app/uninstalled`: that event means the store itself was cancelled / removed from the
   * platform (emit it with emitEvent to test that). The state changes are synchronous; the
   * returned promise settles once the callback answered.
   */
  async uninstall(): Promise<{ callbackStatus: number | undefined }> {
    for (const h of [...this.hookMap.values()]) if (h.clientId === this.deps.appClientId) this.hookMap.delete(h.id);
    for (const [token, client] of [...this.tokenClients]) if (client === this.deps.appClientId) this.tokenClients.delete(token);
    this.isUninstalled = true;
    return { callbackStatus: await this.deps.onAppUninstalled?.(this.hash) };
  }

  // ---------------------------------------------------------------- webhooks

  hooks(): WebhookRecord[] {
    return [...this.hookMap.values()].sort((a, b) => a.id - b.id).map((h) => ({ ...h }));
  }

  hook(id: number): WebhookRecord | undefined {
    const h = this.hookMap.get(id);
    return h ? { ...h } : undefined;
  }

  deactivateHooks(): void {
    const now = this.now();
    for (const h of this.hookMap.values()) {
      h.isActive = false;
      h.status = 'DEACTIVATED';
      h.updatedAtMs = now;
    }
  }

  addHook(h: { scope: string; destination: string; isActive?: boolean; clientId?: string }): WebhookRecord {
    const invalid = this.validateHook(h.scope, h.destination);
    if (invalid) throw new AppError(ErrorCode.SANDBOX_INVALID_HOOK, invalid);
    return { ...this.insertHook(h.clientId ?? this.deps.appClientId, h.scope, h.destination, h.isActive ?? true) };
  }

  private insertHook(clientId: string, scope: string, destination: string, isActive: boolean): WebhookRecord {
    const now = this.now();
    const hook: WebhookRecord = { id: this.nextHookId++, clientId, storeHash: this.hash, scope, destination, isActive, status: isActive ? 'ACTIVE' : 'INACTIVE', createdAtMs: now, updatedAtMs: now };
    this.hookMap.set(hook.id, hook);
    return hook;
  }

  private validateHook(scope: string, destination: string): string | undefined {
    if (!SCOPE_RE.test(scope)) return `Invalid scope '${scope}'`;
    if (!TOPIC_NAME_RE.test(destination)) return `Invalid destination '${destination}': expected projects/{project}/topics/{topic}`;
    return undefined;
  }

  private async checkTopic(destination: string): Promise<HookResult | undefined> {
    if (this.deniedTopics.has(destination)) return { ok: false, error: { type: 'PubSubPermissionError', message: `Publisher permissions not granted for '${destination}'`, topic: destination } };
    if (!(await this.deps.publisher.topicExists(destination))) {
      return { ok: false, error: { type: 'PubSubTopicNotFoundError', message: `Google topic '${destination}' doesn't exist`, topic: destination } };
    }
    return undefined;
  }

  /** GraphQL createPubSubWebhook: validation, uniqueness per client, permission, topic existence. */
  async createPubSubHook(clientId: string, input: { scope: string; destination: string; isActive: boolean }): Promise<HookResult> {
    const invalid = this.validateHook(input.scope, input.destination);
    if (invalid) return { ok: false, error: { type: 'ValidationError', message: invalid } };
    const dup = [...this.hookMap.values()].some((h) => h.clientId === clientId && h.scope === input.scope && h.destination === input.destination);
    if (dup) return { ok: false, error: { type: 'AlreadyExistsError', message: `Webhook with scope '${input.scope}' and destination '${input.destination}' already exists` } };
    const topicError = await this.checkTopic(input.destination);
    if (topicError) return topicError;
    return { ok: true, hook: { ...this.insertHook(clientId, input.scope, input.destination, input.isActive) } };
  }

  /** GraphQL updatePubSubWebhook. Only the owning client may update a hook [U]. */
  async updatePubSubHook(clientId: string, id: number, data: { isActive?: boolean | undefined; scope?: string | undefined; destination?: string | undefined }): Promise<HookResult> {
    const hook = this.hookMap.get(id);
    if (!hook || hook.clientId !== clientId) return { ok: false, error: { type: 'NotFoundError', message: `Webhook with id [${id}] not found` } };
    const scope = data.scope ?? hook.scope;
    const destination = data.destination ?? hook.destination;
    const invalid = this.validateHook(scope, destination);
    if (invalid) return { ok: false, error: { type: 'ValidationError', message: invalid } };
    const dup = [...this.hookMap.values()].some((h) => h.id !== id && h.clientId === clientId && h.scope === scope && h.destination === destination);
    if (dup) return { ok: false, error: { type: 'AlreadyExistsError', message: `Webhook with scope '${scope}' and destination '${destination}' already exists` } };
    if (destination !== hook.destination || data.isActive === true) {
      const topicError = await this.checkTopic(destination);
      if (topicError) return topicError;
    }
    hook.scope = scope;
    hook.destination = destination;
    if (data.isActive !== undefined) {
      hook.isActive = data.isActive;
      hook.status = data.isActive ? 'ACTIVE' : 'INACTIVE';
    }
    hook.updatedAtMs = this.now();
    return { ok: true, hook: { ...hook } };
  }

  deleteHook(clientId: string, id: number): HookResult {
    const hook = this.hookMap.get(id);
    if (!hook || hook.clientId !== clientId) return { ok: false, error: { type: 'NotFoundError', message: `Webhook with id [${id}] not found` } };
    this.hookMap.delete(id);
    return { ok: true, hook: { ...hook } };
  }
}
